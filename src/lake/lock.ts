import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LOCK_NOTICE_EVERY_MS,
  LOCK_POLL_MS,
  LOCK_TIMEOUT_ENV,
  LOCK_TIMEOUT_MS,
  TEST_LOCK_HOLD_ENV,
} from '../config/lake.ts';
import { BfError, UsageError } from '../util/errors.ts';
import { escapeControl } from '../util/escape.ts';
import { type Logger, silentLogger } from '../util/log.ts';
import { SerialQueue } from '../util/serial-queue.ts';

/**
 * A lock between bf processes, on a file, for the read-merge-rename of the lake and the renames of an `--out`
 * directory.
 *
 * Why a kernel lock, taken through Node's built-in SQLite: a POSIX byte-range (fcntl) lock belongs to the process,
 * and the kernel drops it the moment the process dies, SIGKILL included. So a dead holder never blocks the next run
 * and there is nothing to "break": no pid-liveness guess, no pid reuse, no race between two waiters both deciding
 * the same lockfile is stale (the weak spot of O_EXCL/mkdir lockfiles such as proper-lockfile, which also judge
 * staleness by an mtime the holder must keep touching). Node exposes no fcntl/flock call; `node:sqlite` is the
 * built-in whose `BEGIN EXCLUSIVE` (writers) and read transaction (readers) are exactly such locks, with SQLite's
 * well-tested handling of several connections in one process.
 *
 * Who holds it is recorded beside it (`<file>.json`: pid, host, command, start time) only to tell a waiting
 * person; the record is never trusted for correctness. Holds are re-entrant within one async call chain, and
 * queued between unrelated calls of the same process.
 */

export type LockMode = 'exclusive' | 'shared';

/** What a holder writes beside the lock for waiters to read. */
export interface LockHolder {
  pid: number;
  host: string;
  /** What it is doing, e.g. `bf data fetch`. */
  command: string;
  /** When the holding process started (ISO). */
  startedAt: string;
  /** When it took the lock (ISO). */
  lockedAt: string;
  mode: LockMode;
  /** Tells this hold's record from any other. */
  token: string;
}

export interface FileLockOptions {
  /** What the lock protects, for messages: `the lake lock`, `the lock of output directory /x`. */
  label: string;
  logger?: Logger;
  /** Give up waiting after this long; default `BF_LOCK_TIMEOUT` (seconds) or LOCK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** What this process is doing, shown to waiters; default the command line (`bf data fetch`). */
  command?: string;
  pollMs?: number;
  noticeEveryMs?: number;
}

export class FileLock {
  readonly path: string;
  readonly holderPath: string;
  private readonly label: string;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly command: string;
  private readonly pollMs: number;
  private readonly noticeEveryMs: number;
  private db: DatabaseSync | null = null;
  /** The mode held by the current async call chain, if any (re-entrancy). */
  private readonly held = new AsyncLocalStorage<LockMode>();
  /** Unrelated calls of this process take turns: one SQLite connection holds one transaction. */
  private readonly turns = new SerialQueue();
  private holding = false;

  constructor(path: string, opts: FileLockOptions) {
    this.path = path;
    this.holderPath = `${path}.json`;
    this.label = opts.label;
    this.logger = opts.logger ?? silentLogger;
    this.timeoutMs = opts.timeoutMs ?? lockTimeoutMs();
    this.command = printable(opts.command ?? commandLine(process.argv));
    this.pollMs = opts.pollMs ?? LOCK_POLL_MS;
    this.noticeEveryMs = opts.noticeEveryMs ?? LOCK_NOTICE_EVERY_MS;
  }

  /** Runs `fn` holding the lock alone (writers: read, merge, rename). Calls nested in `fn` reuse the hold. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.hold('exclusive', fn);
  }

  /** Runs `fn` holding the lock together with other readers; writers wait until it returns. */
  shared<T>(fn: () => Promise<T>): Promise<T> {
    return this.hold('shared', fn);
  }

  /** The mode the calling async chain holds, or null. */
  heldMode(): LockMode | null {
    return this.held.getStore() ?? null;
  }

  /**
   * Runs `fn` under the exclusive lock only if it is free right now, without waiting (housekeeping that can be
   * left to the next run). Returns whether `fn` ran.
   */
  tryExclusiveSync(fn: () => void): boolean {
    if (this.held.getStore() === 'exclusive') {
      fn();
      return true;
    }
    if (this.holding || !this.tryBegin('exclusive')) return false;
    this.holding = true;
    try {
      fn();
    } finally {
      this.end();
    }
    return true;
  }

  /** Who holds the lock according to their record, or null when nobody recorded a hold that still can be. */
  holder(): LockHolder | null {
    let h: LockHolder;
    try {
      h = JSON.parse(readFileSync(this.holderPath, 'utf8')) as LockHolder;
    } catch {
      return null;
    }
    if (typeof h?.pid !== 'number') return null;
    // A record of a dead process on this host is stale: the kernel already dropped its lock.
    if (h.host === hostname() && !isAlive(h.pid)) return null;
    return h;
  }

  /** Closes the connection (releasing nothing held: call it only between holds). */
  close(): void {
    this.db?.close();
    this.db = null;
  }

  private async hold<T>(mode: LockMode, fn: () => Promise<T>): Promise<T> {
    const current = this.held.getStore();
    if (current === 'exclusive' || (current === 'shared' && mode === 'shared')) return fn();
    if (current === 'shared') {
      throw new Error(
        `${this.label}: cannot take it exclusively while holding it shared; take it exclusively first`,
      );
    }
    return this.turns.run(async () => {
      await this.acquire(mode);
      this.holding = true;
      try {
        const token = this.record(mode);
        try {
          const holdMs = testHoldMs();
          if (mode === 'exclusive' && holdMs > 0) await sleep(holdMs);
          return await this.held.run(mode, fn);
        } finally {
          this.unrecord(token);
        }
      } finally {
        this.end();
      }
    });
  }

  private async acquire(mode: LockMode): Promise<void> {
    const started = Date.now();
    let nextNotice = started;
    let noticed = false;
    let lastHolder: string | undefined;
    for (;;) {
      if (this.tryBegin(mode)) return;
      const now = Date.now();
      const record = this.holder();
      const holder = describeHolder(record, now);
      if (now - started >= this.timeoutMs) {
        throw new BfError(
          `gave up after ${seconds(now - started)} waiting for ${this.label} (${this.path}), held by ${holder}`,
          {
            hint: `let that run finish, or stop it if it hangs; wait longer with ${LOCK_TIMEOUT_ENV}=<seconds>. A process that died releases the lock by itself`,
          },
        );
      }
      // Say so at once, again whenever another process takes over, and every so often while it lasts.
      const holderKey = record ? `${record.pid}:${record.token}` : 'unknown';
      if (now >= nextNotice || (record && holderKey !== lastHolder)) {
        const still = noticed ? ` (${seconds(now - started)} so far)` : '';
        this.logger.info(`waiting for ${this.label} held by ${holder}${still}`);
        nextNotice = now + this.noticeEveryMs;
        noticed = true;
        lastHolder = holderKey;
      }
      await sleep(
        Math.min(this.pollMs * (0.5 + Math.random()), Math.max(1, this.timeoutMs - (now - started))),
      );
    }
  }

  /** One non-blocking attempt; false when another process holds a conflicting lock. */
  private tryBegin(mode: LockMode): boolean {
    let db: DatabaseSync;
    try {
      db = this.connection();
      if (mode === 'exclusive') db.exec('BEGIN EXCLUSIVE');
      else {
        db.exec('BEGIN');
        // A read takes SQLite's SHARED lock; BEGIN alone takes nothing.
        db.prepare('SELECT count(*) FROM sqlite_schema').get();
      }
      return true;
    } catch (err) {
      if (isBusy(err)) {
        if (this.db?.isTransaction) this.db.exec('ROLLBACK');
        return false;
      }
      throw new BfError(`cannot take ${this.label} on ${this.path}: ${(err as Error).message}`, {
        cause: err,
        hint: 'check that the directory is writable and that its filesystem supports file locks (see the README, "The lake")',
      });
    }
  }

  private end(): void {
    this.holding = false;
    if (this.db?.isTransaction) this.db.exec('ROLLBACK');
  }

  private connection(): DatabaseSync {
    // timeout 0: never block the event loop inside SQLite; acquire() polls and tells the user instead.
    this.db ??= new DatabaseSync(this.path, { timeout: 0 });
    return this.db;
  }

  private record(mode: LockMode): string {
    const token = randomBytes(6).toString('hex');
    const now = Date.now();
    const holder: LockHolder = {
      pid: process.pid,
      host: hostname(),
      command: this.command,
      startedAt: new Date(performance.timeOrigin).toISOString(),
      lockedAt: new Date(now).toISOString(),
      mode,
      token,
    };
    const temp = `${this.holderPath}.${process.pid}.${token}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(holder)}\n`);
      renameSync(temp, this.holderPath);
    } catch {
      // Only a courtesy to waiters; the lock itself is held.
      rmSync(temp, { force: true });
    }
    return token;
  }

  private unrecord(token: string): void {
    try {
      const h = JSON.parse(readFileSync(this.holderPath, 'utf8')) as LockHolder;
      if (h.token === token) rmSync(this.holderPath, { force: true });
    } catch {
      // Already replaced or gone.
    }
  }
}

/** `BF_LOCK_TIMEOUT` in milliseconds, or the default; a bad value is a usage error naming the variable. */
export function lockTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[LOCK_TIMEOUT_ENV]?.trim();
  if (!raw) return LOCK_TIMEOUT_MS;
  const s = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(s)) {
    throw new UsageError(
      `${LOCK_TIMEOUT_ENV}=${JSON.stringify(printable(raw))} is not a number of seconds`,
      `set it to how long to wait for another bf process, e.g. ${LOCK_TIMEOUT_ENV}=600, or unset it`,
    );
  }
  return Math.round(s * 1000);
}

/** `pid 123 (bf data fetch, started 12 s ago)`, naming the host when it is another one. */
export function describeHolder(h: LockHolder | null, now = Date.now()): string {
  if (!h) return 'another process';
  const where = h.host === hostname() ? '' : ` on host ${printable(h.host)}`;
  const age = Date.parse(h.startedAt);
  const started = Number.isFinite(age) ? `, started ${seconds(Math.max(0, now - age))} ago` : '';
  return `pid ${h.pid}${where} (${printable(h.command)}${started})`;
}

/** `bf data fetch` from `[node, /…/bin/bf.js, data, fetch, --symbol-list, x]`: the program and its subcommands. */
export function commandLine(argv: readonly string[]): string {
  const script = basename(argv[1] ?? 'node');
  const program = /^bf(\.[cm]?[jt]s)?$/.test(script) ? 'bf' : script;
  const words: string[] = [];
  for (const a of argv.slice(2)) {
    if (a.startsWith('-') || words.length === 3) break;
    words.push(a);
  }
  return [program, ...words].join(' ');
}

/**
 * A one-line field of a holder record (anyone can write that file) made safe to print: control characters
 * escaped by the shared helper, and newline and tab too, so a record cannot forge a line of output.
 */
export function printable(s: string): string {
  return escapeControl(s).replaceAll('\n', '\\x0a').replaceAll('\t', '\\x09');
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function testHoldMs(): number {
  const v = Number(process.env[TEST_LOCK_HOLD_ENV]);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

function isBusy(err: unknown): boolean {
  const code = (err as { errcode?: unknown })?.errcode;
  // SQLITE_BUSY and its extended codes (the low byte is the primary code).
  return typeof code === 'number' && (code & 0xff) === 5;
}

export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
