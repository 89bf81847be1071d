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

/**
 * A compact per-signal table: firings, trades, strategy vs buy-and-hold CAGR / Sharpe / max drawdown. Each column
 * is as wide as its widest cell, and columns are two spaces apart: a CAGR annualised from a few days can run to
 * many digits, and must not run into its neighbour.
 */
export function formatBacktests(backtests: readonly SignalBacktest[], synthetic: boolean): string {
  const header = ['signal', 'firings', 'trades', 'CAGR', 'B&H CAGR', 'Sharpe', 'MaxDD'];
  const rows = backtests.map((b) => [
    b.signal,
    String(b.firings),
    String(b.trades.length),
    pct(b.strategy.cagr),
    pct(b.buyHold.cagr),
    num(b.strategy.sharpe),
    pct(b.strategy.maxDrawdown),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [synthetic ? 'SYNTHETIC DATA — not market prices' : '', line(header), ...rows.map(line)]
    .filter(Boolean)
    .join('\n');
}
