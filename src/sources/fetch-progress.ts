import type { Logger } from '../util/log.ts';

/** How often the heartbeat re-reports while nothing finishes (requests hanging); the logger throttles further. */
const HEARTBEAT_MS = 1_000;

/**
 * Counts one fetch's progress (symbols done of total, failures, retries, what is in flight) and reports it through
 * `log.progress`, on every event and on a heartbeat while requests hang. Every line carries the totals so far, so
 * whichever line the logger shows (each one on a terminal, one every few seconds off one) tells the whole story.
 */
export class FetchProgress {
  completed = 0;
  failed = 0;
  retries = 0;
  private readonly inFlight = new Set<string>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly label: string;
  private readonly total: number;
  private readonly log: Logger;

  constructor(label: string, total: number, log: Logger) {
    this.label = label;
    this.total = total;
    this.log = log;
    this.timer = setInterval(() => this.log.progress(this.waiting()), HEARTBEAT_MS);
    this.timer.unref();
  }

  begin(symbol: string): void {
    this.inFlight.add(symbol);
  }

  /** A symbol finished: `failure` is its reason when it failed. */
  done(symbol: string, failure?: string): void {
    this.inFlight.delete(symbol);
    this.completed++;
    if (failure !== undefined) this.failed++;
    this.log.progress(`${this.counts()} · ${symbol} ${failure === undefined ? 'ok' : `failed: ${failure}`}`);
  }

  retry(symbol: string, detail: string): void {
    this.retries++;
    this.log.progress(`${this.counts()} · ${symbol}: ${detail}`);
  }

  end(): void {
    clearInterval(this.timer);
  }

  counts(): string {
    const retries = `${this.retries} ${this.retries === 1 ? 'retry' : 'retries'}`;
    return `${this.label}: ${this.completed}/${this.total} symbols, ${this.failed} failed, ${retries}`;
  }

  private waiting(): string {
    const names = [...this.inFlight];
    if (names.length === 0) return this.counts();
    const shown = names.slice(0, 4).join(', ');
    return `${this.counts()} · waiting on ${shown}${names.length > 4 ? ` and ${names.length - 4} more` : ''}`;
  }
}
