import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExecError, execaExec, LineTail } from './exec.ts';

const node = process.execPath;

describe('execaExec', () => {
  it('returns command, exit code and both streams', async () => {
    const r = await execaExec.run(node, ['-e', 'process.stdout.write("out"); process.stderr.write("err")']);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'out', stderr: 'err' });
    expect(r.command).toContain('-e');
  });

  it('throws ExecError carrying exit code and stderr on failure', async () => {
    const err = await execaExec
      .run(node, ['-e', 'process.stderr.write("boom"); process.exit(3)'])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect(err).toMatchObject({ exitCode: 3, stderr: 'boom', notFound: false });
  });

  it('shows each stdout line as it arrives and still returns stdout unchanged', async () => {
    const seen: { line: string; at: number }[] = [];
    const t0 = Date.now();
    const r = await execaExec.tryRun(
      node,
      ['-e', 'console.log("one"); setTimeout(() => process.stdout.write("two\\nthree"), 400)'],
      { onStdoutLine: (line) => seen.push({ line, at: Date.now() - t0 }) },
    );
    expect(r.stdout).toBe('one\ntwo\nthree');
    expect(seen.map((s) => s.line)).toEqual(['one', 'two', 'three']);
    // "one" was seen while the process was still running (before "two" was written), not at the end.
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(300);
  });
  it('tryRun returns a non-zero exit instead of throwing', async () => {
    const r = await execaExec.tryRun(node, ['-e', 'process.exit(4)']);
    expect(r.exitCode).toBe(4);
  });

  it('marks a missing executable as notFound', async () => {
    const err = await execaExec.run('bf-no-such-binary-xyz', []).catch((e: unknown) => e);
    expect(err).toMatchObject({ notFound: true });
  });

  it('tail keeps only the last lines of a large output', async () => {
    const r = await execaExec.tail(
      node,
      ['-e', 'for (let i = 0; i < 100000; i++) console.log("line " + i)'],
      {
        maxLines: 3,
      },
    );
    expect(r.lines).toEqual(['line 99997', 'line 99998', 'line 99999']);
  });

  it('stream pipes output to sinks and returns the exit code', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const code = await execaExec.stream(node, ['-e', 'console.log("hello"); process.exit(2)'], {
      stdout: out,
      stderr: new PassThrough(),
    });
    expect(code).toBe(2);
    expect(chunks.join('')).toBe('hello\n');
  });
});

describe('LineTail', () => {
  it('joins lines split across chunks and cuts long lines', () => {
    const t = new LineTail(2, 5);
    t.push('ab');
    t.push('c\nlonglongline\nx');
    expect(t.end()).toEqual(['longl…', 'x']);
  });
});
