import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';
import { retryUntil } from './retry.ts';
import type { ProbeResult } from './types.ts';

/** A probe that becomes ready once the clock reaches `readyAt`. */
function readyAt(clock: FakeClock, at: number) {
  let calls = 0;
  const probe = async (): Promise<ProbeResult> => {
    calls++;
    return clock.now() >= at ? { ok: true, detail: 'up' } : { ok: false, detail: `down at ${clock.now()}` };
  };
  return { probe, calls: () => calls };
}

describe('retryUntil', () => {
  it('polls at the interval until the probe is ready', async () => {
    const clock = new FakeClock();
    const p = readyAt(clock, 600);
    const r = await retryUntil(p.probe, { timeoutMs: 10_000, intervalMs: 250, clock });
    expect(r).toMatchObject({ ok: true, attempts: 4, elapsedMs: 750, timedOut: false });
    expect(r.last.detail).toBe('up');
  });

  it('times out at the deadline with the last result', async () => {
    const clock = new FakeClock();
    const p = readyAt(clock, Number.POSITIVE_INFINITY);
    const r = await retryUntil(p.probe, { timeoutMs: 1000, intervalMs: 300, clock });
    // attempts at 0, 300, 600, 900 and a last one at the deadline (1000): never sleeps past it.
    expect(r).toMatchObject({ ok: false, timedOut: true, attempts: 5, elapsedMs: 1000 });
    expect(r.last.detail).toBe('down at 1000');
  });

  it('counts a throwing probe as not ready and keeps its message', async () => {
    const clock = new FakeClock();
    let n = 0;
    const r = await retryUntil(
      async () => {
        n++;
        if (n < 3) throw new Error('connection refused');
        return { ok: true, detail: 'ok' };
      },
      {
        timeoutMs: 5000,
        intervalMs: 100,
        clock,
        onAttempt: (res) => expect(res.detail).toBe('connection refused'),
      },
    );
    expect(r).toMatchObject({ ok: true, attempts: 3, elapsedMs: 200 });
  });

  it('stops at once on a fatal result', async () => {
    const clock = new FakeClock();
    const r = await retryUntil(async () => ({ ok: false, detail: 'exited (1)', fatal: true }), {
      timeoutMs: 60_000,
      intervalMs: 250,
      clock,
    });
    expect(r).toMatchObject({ ok: false, timedOut: false, attempts: 1, elapsedMs: 0 });
  });

  it('makes one attempt even with a zero timeout', async () => {
    const clock = new FakeClock();
    const r = await retryUntil(async () => ({ ok: true, detail: 'x' }), {
      timeoutMs: 0,
      intervalMs: 250,
      clock,
    });
    expect(r.ok).toBe(true);
  });
});

describe('retryUntil with wake', () => {
  it('probes again as soon as wake resolves instead of after the interval', async () => {
    const clock = new FakeClock();
    let ready = false;
    let wakeNow: () => void = () => {};
    const wake = () => new Promise<void>((r) => (wakeNow = r));
    setImmediate(() => {
      ready = true;
      wakeNow();
    });
    const r = await retryUntil(async () => ({ ok: ready, detail: String(ready) }), {
      timeoutMs: 60_000,
      intervalMs: 10_000,
      clock,
      wake,
    });
    expect(r).toMatchObject({ ok: true, attempts: 2, elapsedMs: 0 });
  });
});
