import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config/stack.ts';
import { ComposeProject } from './compose.ts';
import { type Exec, ExecError, type ExecResult } from './exec.ts';
import { classifyPullError, isTransient, PullError, pullImages, renderPulls } from './pull.ts';
import { FakeClock } from './readiness/fake-clock.ts';

// The stderr of real `docker compose pull` runs (Compose 2.26, Engine 20.10): against a local registry peer
// answering 429 with Docker Hub's TOOMANYREQUESTS body, 503, 404 MANIFEST_UNKNOWN and never; and an unknown host.
const fixture = (name: string) =>
  readFileSync(`${REPO_ROOT}test/fixtures/compose-pull/${name}.stderr.txt`, 'utf8');

describe('classifyPullError on real docker compose pull output', () => {
  it.each([
    ['429', 'rate-limit', true],
    ['503', 'server', true],
    ['dns', 'network', true],
    ['404', 'not-found', false],
  ] as const)('%s → %s (retried: %s)', (name, kind, transient) => {
    expect(classifyPullError(fixture(name))).toBe(kind);
    expect(isTransient(classifyPullError(fixture(name)))).toBe(transient);
  });
  it('a pull bf killed after its attempt timeout is a timeout, whatever compose printed', () => {
    expect(classifyPullError(fixture('hang'), true)).toBe('timeout');
  });
  it('pull access denied is not retried', () => {
    expect(
      classifyPullError(
        "Error response from daemon: pull access denied for bf/nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      ),
    ).toBe('denied');
  });
});

/** Replays docker: `image inspect` answers from `present`; each `compose pull` takes the next scripted outcome. */
function replayDocker(script: (string | 'ok' | 'timeout')[], present = new Set<string>()) {
  const calls: string[] = [];
  const pulled = new Set<string>();
  const result = (args: readonly string[], exitCode: number, stdout = '', stderr = ''): ExecResult => ({
    command: `docker ${args.join(' ')}`,
    exitCode,
    stdout,
    stderr,
  });
  const exec: Exec = {
    async run(_file, args) {
      calls.push(args.slice(-2).join(' '));
      const next = script.shift() ?? 'ok';
      if (next === 'ok') {
        pulled.add(args.at(-1)!);
        return result(args, 0);
      }
      if (next === 'timeout')
        throw new ExecError({ ...result(args, -1, '', fixture('hang')), timedOut: true });
      throw new ExecError(result(args, 18, '', fixture(next)));
    },
    async tryRun(_file, args) {
      const image = args.at(-1)!;
      const here = present.has(image) || [...pulled].length > 0;
      return here
        ? result(args, 0, args.includes('{{.Size}}') ? '419430400\n' : 'sha256:abc\n')
        : result(args, 1);
    },
    tail: () => Promise.reject(new Error('unused')),
    stream: () => Promise.reject(new Error('unused')),
  };
  return { exec, calls };
}

const compose = (exec: Exec) =>
  new ComposeProject({ name: 'bf-test', files: ['/x/docker-compose.yml'], exec });

describe('pullImages', () => {
  it('retries a rate limit and a 5xx with backoff, then reports time, size and attempts', async () => {
    const { exec, calls } = replayDocker(['429', '503', 'ok']);
    const clock = new FakeClock();
    const pulls = await pullImages({
      compose: compose(exec),
      images: { kafka: 'apache/kafka:4.1.1' },
      clock,
      backoffMs: 1000,
    });
    expect(calls).toEqual(['--quiet kafka', '--quiet kafka', '--quiet kafka']);
    // 429: 1 s × 4 (rate limits back off longer); then 503: 2 s.
    expect(clock.now()).toBe(4000 + 2000);
    expect(pulls).toEqual([
      {
        service: 'kafka',
        image: 'apache/kafka:4.1.1',
        outcome: 'pulled',
        seconds: 6,
        sizeBytes: 419430400,
        attempts: 3,
      },
    ]);
    expect(renderPulls(pulls)).toContain('| kafka | `apache/kafka:4.1.1` | 6.0 s (3 attempts) | 400 MiB |');
  });

  it('a rate limit that outlasts the retries is named as such, with what to do', async () => {
    const { exec } = replayDocker(['429', '429', '429']);
    const err = await pullImages({
      compose: compose(exec),
      images: { kafka: 'apache/kafka:4.1.1' },
      clock: new FakeClock(),
      attempts: 3,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PullError);
    expect((err as PullError).message).toBe(
      'pulling apache/kafka:4.1.1 for kafka failed after 3 attempt(s) (registry rate limit): toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    );
    expect((err as PullError).hint).toContain('log in before the step');
    expect((err as PullError).hint).toContain('images: kafka=mirror.gcr.io/');
  });

  it('a missing tag fails at once, without retries', async () => {
    const { exec, calls } = replayDocker(['404']);
    const err = (await pullImages({
      compose: compose(exec),
      images: { kafka: 'apache/kafka:9.9.9' },
      clock: new FakeClock(),
    }).catch((e: unknown) => e)) as PullError;
    expect(calls).toHaveLength(1);
    expect(err.kind).toBe('not-found');
    expect(err.hint).toContain('BF_KAFKA_IMAGE');
  });

  it('a registry that never answers is cut at the attempt timeout and retried', async () => {
    const { exec, calls } = replayDocker(['timeout', 'ok']);
    const pulls = await pullImages({
      compose: compose(exec),
      images: { s3: 'chrislusf/seaweedfs:4.53' },
      clock: new FakeClock(),
    });
    expect(calls).toHaveLength(2);
    expect(pulls[0]?.attempts).toBe(2);
  });

  it('images already on the machine (locally built) are not pulled', async () => {
    const { exec, calls } = replayDocker([], new Set(['bf-local/kafka:4.1.1-1']));
    const pulls = await pullImages({
      compose: compose(exec),
      images: { kafka: 'bf-local/kafka:4.1.1-1' },
      clock: new FakeClock(),
    });
    expect(calls).toEqual([]);
    expect(pulls[0]).toMatchObject({ outcome: 'present', attempts: 0, sizeBytes: 419430400 });
  });
});
