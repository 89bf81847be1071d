import type { SignalBacktest } from '../domain/backtest.ts';

/** Data goes to stdout (JSON with --json, else a short human summary); progress and errors go to stderr. */
export function printResult(json: boolean | undefined, data: unknown, human: () => string): void {
  // A function builds the JSON document only when asked for (the lake-reading commands check it on the way).
  const doc = () => (typeof data === 'function' ? data() : data);
  if (json) process.stdout.write(`${JSON.stringify(doc(), null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));

/** A compact per-signal table: firings, trades, strategy vs buy-and-hold CAGR / Sharpe / max drawdown. */
export function formatBacktests(backtests: readonly SignalBacktest[], synthetic: boolean): string {
  const header = `${'signal'.padEnd(24)}${'firings'.padStart(8)}${'trades'.padStart(8)}${'CAGR'.padStart(10)}${'B&H CAGR'.padStart(10)}${'Sharpe'.padStart(8)}${'MaxDD'.padStart(9)}`;
  const rows = backtests.map(
    (b) =>
      `${b.signal.padEnd(24)}${String(b.firings).padStart(8)}${String(b.trades.length).padStart(8)}${pct(b.strategy.cagr).padStart(10)}${pct(b.buyHold.cagr).padStart(10)}${num(b.strategy.sharpe).padStart(8)}${pct(b.strategy.maxDrawdown).padStart(9)}`,
  );
  return [synthetic ? 'SYNTHETIC DATA — not market prices' : '', header, ...rows].filter(Boolean).join('\n');
}
