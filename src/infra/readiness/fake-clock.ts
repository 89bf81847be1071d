import type { Clock } from './types.ts';

/**
 * A virtual clock for tests: `sleep` never waits in real time. Once every pending promise chain has settled
 * (a macrotask later), the earliest sleeper wakes and `now()` jumps to its wake time, so concurrent waits
 * interleave exactly as they would on a real clock.
 */
export class FakeClock implements Clock {
  private t = 0;
  private timers: { at: number; seq: number; wake: () => void }[] = [];
  private seq = 0;
  private scheduled = false;

  now(): number {
    return this.t;
  }

  /** Moves time forward without sleeping (e.g. a probe that takes time). */
  advance(ms: number): void {
    this.t += ms;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, wake: resolve });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) return;
      this.t = Math.max(this.t, next.at);
      next.wake();
      if (this.timers.length) this.schedule();
    });
  }
}
