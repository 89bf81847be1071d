import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';
import { forAll, type ProgressEvent } from './for-all.ts';
import type { ReadinessCheck } from './types.ts';

function check(clock: FakeClock, service: string, name: string, readyAt: number, timeoutMs?: number) {
  const probeTimes: number[] = [];
  const c: ReadinessCheck = {
    service,
    name,
    timeoutMs,
    probe: async () => {
      probeTimes.push(clock.now());
      return clock.now() >= readyAt ? { ok: true, detail: 'ready' } : { ok: false, detail: 'not yet' };
    },
  };
  return { c, probeTimes };
}

describe('forAll', () => {
  it('waits for services concurrently and returns when the last is ready', async () => {
    const clock = new FakeClock();
    const a = check(clock, 'kafka', 'metadata', 500);
    const b = check(clock, 'elasticsearch', 'health', 1500);
    const events: ProgressEvent[] = [];
    const r = await forAll([a.c, b.c], {
      deadlineMs: 60_000,
      intervalMs: 250,
      clock,
      onProgress: (e) => events.push(e),
    });
    expect(r.ready).toBe(true);
    expect(r.elapsedMs).toBe(1500);
    expect(r.services.map((s) => [s.service, s.elapsedMs])).toEqual([
      ['kafka', 500],
      ['elasticsearch', 1500],
    ]);
    expect(events.filter((e) => e.kind === 'service-ready').map((e) => e.service)).toEqual([
      'kafka',
      'elasticsearch',
    ]);
    // Progress reports changes only: one "waiting" per service, not one per poll.
    expect(events.filter((e) => e.kind === 'waiting')).toHaveLength(2);
  });

  it('runs a service checks in order: the second is not probed before the first passes', async () => {
    const clock = new FakeClock();
    const health = check(clock, 'spark-worker', 'compose health', 1000);
    const workers = check(clock, 'spark-worker', 'alive workers', 0);
    const r = await forAll([health.c, workers.c], { deadlineMs: 10_000, intervalMs: 250, clock });
    expect(r.ready).toBe(true);
    expect(Math.min(...workers.probeTimes)).toBe(1000);
  });

  it('names the services not ready when the overall deadline passes', async () => {
    const clock = new FakeClock();
    const ok = check(clock, 's3', 'bucket', 250);
    const slow = check(clock, 'elasticsearch', 'compose health', 5000);
    const after = check(clock, 'elasticsearch', 'cluster health', 0);
    const r = await forAll([ok.c, slow.c, after.c], { deadlineMs: 2000, intervalMs: 250, clock });
    expect(r.ready).toBe(false);
    expect(r.elapsedMs).toBe(2000);
    expect(r.notReady.map((s) => s.service)).toEqual(['elasticsearch']);
    expect(r.notReady[0]!.checks).toEqual([
      { name: 'compose health', ok: false, detail: 'not yet', elapsedMs: 2000, timedOut: true },
      { name: 'cluster health', ok: false, detail: 'not run', elapsedMs: 2000, timedOut: false },
    ]);
    expect(after.probeTimes).toEqual([]);
  });

  it('caps a check at its own timeout when that is shorter than the deadline', async () => {
    const clock = new FakeClock();
    const c = check(clock, 'kibana', 'status', 10_000, 1000);
    const r = await forAll([c.c], { deadlineMs: 60_000, intervalMs: 250, clock });
    expect(r.ready).toBe(false);
    expect(r.elapsedMs).toBe(1000);
  });

  it('is ready at once with no checks', async () => {
    const r = await forAll([], { deadlineMs: 1000, clock: new FakeClock() });
    expect(r).toMatchObject({ ready: true, services: [], notReady: [] });
  });
});
