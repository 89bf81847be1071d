import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../util/log.ts';
import { commandLine, describeHolder, FileLock, type LockHolder, lockTimeoutMs, printable } from './lock.ts';

const LOCK_TS = join(import.meta.dirname, 'lock.ts');

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: () => {},
    progress: () => {},
  };
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A real process holding the lock at `path` in `mode` until killed; resolves once it holds it. */
async function holderProcess(path: string, mode: 'exclusive' | 'shared'): Promise<ChildProcess> {
  const script = join(mkdtempSync(join(tmpdir(), 'bf-lock-child-')), 'hold.ts');
  writeFileSync(
    script,
    `import { FileLock } from ${JSON.stringify(LOCK_TS)};
const lock = new FileLock(${JSON.stringify(path)}, { label: 'the test lock', command: 'bf test-holder' });
await lock.${mode}(async () => {
  process.stdout.write('held\\n');
  await new Promise(() => setInterval(() => {}, 60_000));
});
`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('held')) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`holder exited early: ${code ?? signal}`)));
  });
  return child;
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const lockPath = () => join(mkdtempSync(join(tmpdir(), 'bf-lock-')), 'lake.lock');

describe('FileLock between processes', () => {
  it('makes a writer wait for another process, names the holder, and gives up at the timeout', async () => {
    const path = lockPath();
    const child = await holderProcess(path, 'exclusive');
    const log = recordingLogger();
    const lock = new FileLock(path, { label: 'the lake lock', logger: log, timeoutMs: 400 });
    let ran = false;
    const t0 = Date.now();
    const err = await lock
      .exclusive(async () => {
        ran = true;
      })
      .catch((e: Error) => e);
    expect(ran).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(String(err)).toMatch(
      new RegExp(
        `gave up after \\d+ s waiting for the lake lock \\(.*lake\\.lock\\), held by pid ${child.pid} \\(bf test-holder, started \\d+ s ago\\)`,
      ),
    );
    expect(log.lines[0]).toMatch(
      new RegExp(
        `^waiting for the lake lock held by pid ${child.pid} \\(bf test-holder, started \\d+ s ago\\)$`,
      ),
    );
    lock.close();
  });

  it('is free the moment its holder is SIGKILLed: the next writer does not wait', async () => {
    const path = lockPath();
    const child = await holderProcess(path, 'exclusive');
    const lock = new FileLock(path, { label: 'the lake lock', timeoutMs: 200 });
    await expect(lock.exclusive(async () => 'no')).rejects.toThrow(/held by pid/);
    await killAndWait(child);
    const log = recordingLogger();
    const after = new FileLock(path, { label: 'the lake lock', logger: log, timeoutMs: 0 });
    expect(await after.exclusive(async () => 'mine')).toBe('mine');
    expect(log.lines).toEqual([]);
    after.close();
    lock.close();
  });

  it('lets readers share it and keeps writers out while one reads', async () => {
    const path = lockPath();
    const reader = await holderProcess(path, 'shared');
    const lock = new FileLock(path, { label: 'the lake lock', timeoutMs: 200 });
    expect(await lock.shared(async () => 'read too')).toBe('read too');
    await expect(lock.exclusive(async () => 'write')).rejects.toThrow(/waiting for the lake lock/);
    await killAndWait(reader);
    expect(await lock.exclusive(async () => 'write')).toBe('write');
    lock.close();
  });

  it('keeps a reader out while another process writes', async () => {
    const path = lockPath();
    await holderProcess(path, 'exclusive');
    const lock = new FileLock(path, { label: 'the lake lock', timeoutMs: 200 });
    await expect(lock.shared(async () => 'read')).rejects.toThrow(/held by pid/);
    lock.close();
  });
});

describe('FileLock within one process', () => {
  it('is re-entrant in one call chain and removes its holder record on release', async () => {
    const path = lockPath();
    const lock = new FileLock(path, { label: 'the lake lock', timeoutMs: 0, command: 'bf data fetch' });
    const inner = await lock.exclusive(async () => {
      const h = JSON.parse((await import('node:fs')).readFileSync(`${path}.json`, 'utf8')) as LockHolder;
      expect(h).toMatchObject({ pid: process.pid, command: 'bf data fetch', mode: 'exclusive' });
      return lock.exclusive(async () => lock.shared(async () => lock.heldMode()));
    });
    expect(inner).toBe('exclusive');
    expect(existsSync(`${path}.json`)).toBe(false);
    await expect(lock.shared(async () => lock.exclusive(async () => 1))).rejects.toThrow(
      /cannot take it exclusively/,
    );
    lock.close();
  });

  it('runs unrelated calls one after the other, never overlapping', async () => {
    const lock = new FileLock(lockPath(), { label: 'the lake lock', timeoutMs: 0 });
    const events: string[] = [];
    const job = (name: string) =>
      lock.exclusive(async () => {
        events.push(`${name} in`);
        await sleep(30);
        events.push(`${name} out`);
      });
    await Promise.all([job('a'), job('b'), job('c')]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    lock.close();
  });

  it('two locks on one file in one process exclude each other too', async () => {
    const path = lockPath();
    const a = new FileLock(path, { label: 'the lake lock', timeoutMs: 0 });
    const b = new FileLock(path, { label: 'the lake lock', timeoutMs: 100 });
    await a.exclusive(async () => {
      await expect(b.exclusive(async () => 1)).rejects.toThrow(`held by pid ${process.pid}`);
    });
    expect(await b.exclusive(async () => 2)).toBe(2);
    a.close();
    b.close();
  });
});

describe('lock helpers', () => {
  it('names the command from the command line', () => {
    expect(commandLine(['/n/node', '/x/bin/bf.js', 'data', 'fetch', '--symbol-list', 'a'])).toBe(
      'bf data fetch',
    );
    expect(commandLine(['/n/node', '/x/bf', 'pipeline', 'run', 'extra', 'more'])).toBe(
      'bf pipeline run extra',
    );
    expect(commandLine(['/n/node', '/x/dist/main.js'])).toBe('main.js');
  });

  it('describes a holder on another host, and an unknown one', () => {
    const h: LockHolder = {
      pid: 7,
      host: 'ci-runner\u001b[2J',
      command: 'bf data fetch',
      startedAt: new Date(1_000).toISOString(),
      lockedAt: new Date(2_000).toISOString(),
      mode: 'exclusive',
      token: 't',
    };
    expect(describeHolder(h, 13_000)).toBe(
      'pid 7 on host ci-runner\\x1b[2J (bf data fetch, started 12 s ago)',
    );
    expect(describeHolder(null)).toBe('another process');
    expect(printable('a\nb\u009bc')).toBe('a\\x0ab\\x9bc');
  });

  it('reads BF_LOCK_TIMEOUT in seconds and rejects anything else with exit code 2', () => {
    expect(lockTimeoutMs({})).toBe(600_000);
    expect(lockTimeoutMs({ BF_LOCK_TIMEOUT: '2.5' })).toBe(2_500);
    expect(lockTimeoutMs({ BF_LOCK_TIMEOUT: '0' })).toBe(0);
    expect(() => lockTimeoutMs({ BF_LOCK_TIMEOUT: '10m' })).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('BF_LOCK_TIMEOUT="10m"') }),
    );
  });

  it('ignores a holder record left by a process that is gone', async () => {
    const path = lockPath();
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(
      `${path}.json`,
      JSON.stringify({
        pid: dead.pid,
        host: (await import('node:os')).hostname(),
        command: 'bf x',
        startedAt: '',
        lockedAt: '',
        mode: 'exclusive',
        token: 'z',
      }),
    );
    const lock = new FileLock(path, { label: 'the lake lock', timeoutMs: 0 });
    expect(lock.holder()).toBeNull();
    expect(await lock.exclusive(async () => 'ok')).toBe('ok');
    lock.close();
  });
});
