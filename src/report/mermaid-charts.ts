/**
 * Small Mermaid `xychart-beta` charts for Markdown that GitHub renders (job summaries, READMEs): the Zweig EMA
 * with its thresholds and firing days, and strategy vs buy-and-hold equity. Pure text; no rendering here.
 *
 * xychart has no legend and no markers, so: each chart is followed by a one-line key naming the colours, and
 * firing days are a line along the axis minimum that spikes up to the EMA on each firing day. Long series are thinned to at most
 * MAX_POINTS points, always keeping the firing days, so the Markdown stays small (the summary is capped at 1 MiB).
 */
import type { SignalBacktest } from '../domain/backtest.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { ZWEIG } from '../signals/rules.ts';

/** Points per chart: enough to see a 10-day thrust on five years of data, few enough to stay readable. */
export const MAX_POINTS = 160;

/** Series colours, in the order the series are written (xychart's plotColorPalette). */
export const ZWEIG_COLORS = {
  ema: '#1f5fa8',
  oversold: '#d4582a',
  thrust: '#2e7d32',
  firing: '#b00020',
} as const;
export const EQUITY_COLORS = { strategy: '#1f5fa8', buyHold: '#9a9a9a' } as const;

/**
 * Row indices to plot out of `n`: every `step`-th row, the last row, and every row in `keep` (firing days),
 * ascending. `step` is chosen so the result has at most about `max` points plus the kept ones.
 */
export function thinIndices(n: number, max: number, keep: ReadonlySet<number> = new Set()): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const step = Math.ceil(n / max);
  const out = new Set<number>(keep);
  for (let i = 0; i < n; i += step) out.add(i);
  out.add(n - 1);
  return [...out].filter((i) => i >= 0 && i < n).sort((a, b) => a - b);
}

const fmt = (v: number, digits: number) => {
  const s = v.toFixed(digits);
  return s === `-${(0).toFixed(digits)}` ? (0).toFixed(digits) : s;
};
const list = (values: readonly number[], digits: number) =>
  `[${values.map((v) => fmt(v, digits)).join(', ')}]`;
/** Text inside a Mermaid double-quoted string: quotes and anything that could end the fence are dropped. */
const quoted = (s: string) => `"${s.replace(/["`\n\r]/g, '').replace(/[<>]/g, '')}"`;

function init(palette: readonly string[]): string {
  const cfg = { themeVariables: { xyChart: { plotColorPalette: palette.join(', ') } } };
  return `%%{init: ${JSON.stringify(cfg)}}%%`;
}

function fence(lines: readonly string[]): string {
  return ['```mermaid', ...lines, '```'].join('\n');
}

/** The x axis: trading-day numbers, titled with the first and last date they stand for. */
function xAxis(first: string, last: string, days: number): string {
  return `  x-axis ${quoted(`trading days ${first} to ${last}`)} 1 --> ${Math.max(days, 2)}`;
}

/**
 * The Zweig EMA10 over the run, the 0.40 and 0.615 lines, and a bar on each Zweig firing day.
 * Undefined when the series has fewer than two days with an EMA.
 */
export function zweigMermaid(
  series: readonly BreadthSeriesRow[],
  events: readonly SignalEvent[],
): string | undefined {
  // Rows before the first ratio have no EMA: the chart starts at the first defined one.
  const start = series.findIndex((r) => r.zweigEma !== null);
  if (start < 0 || series.length - start < 2) return undefined;
  const rows = series.slice(start);
  const firingDates = new Set(events.filter((e) => e.signal === 'zweig_breadth_thrust').map((e) => e.date));
  const firingRows = new Set(rows.flatMap((r, i) => (firingDates.has(r.date) ? [i] : [])));
  const idx = thinIndices(rows.length, MAX_POINTS, firingRows);
  // Carry the last EMA over a gap (rows with A + D = 0 keep it unchanged anyway).
  let last = rows[0]!.zweigEma!;
  const ema = idx.map((i) => {
    last = rows[i]!.zweigEma ?? last;
    return last;
  });
  const lo = Math.min(0.3, Math.floor(Math.min(...ema) * 20) / 20);
  const hi = Math.max(0.75, Math.ceil(Math.max(...ema) * 20) / 20);
  // A line along the axis minimum that rises to the EMA on each firing day: a spike per thrust.
  const spikes = idx.map((i, k) => (firingRows.has(i) ? ema[k]! : lo));
  const fired = firingRows.size;
  return [
    fence([
      init([ZWEIG_COLORS.firing, ZWEIG_COLORS.ema, ZWEIG_COLORS.oversold, ZWEIG_COLORS.thrust]),
      'xychart-beta',
      `  title ${quoted(`Zweig EMA10 of A/(A+D): ${fired} thrust${fired === 1 ? '' : 's'}`)}`,
      xAxis(rows[0]!.date, rows.at(-1)!.date, rows.length),
      `  y-axis ${quoted('EMA10')} ${fmt(lo, 2)} --> ${fmt(hi, 2)}`,
      `  line ${list(spikes, 3)}`,
      `  line ${list(ema, 3)}`,
      `  line ${list(
        idx.map(() => ZWEIG.oversoldBelow),
        3,
      )}`,
      `  line ${list(
        idx.map(() => ZWEIG.thrustAbove),
        3,
      )}`,
    ]),
    `<sub>Blue: Zweig EMA10. Orange: ${ZWEIG.oversoldBelow.toFixed(2)} (washout). Green: ${ZWEIG.thrustAbove} (thrust). Red spikes: firing days${
      fired ? ` (${[...firingDates].sort().join(', ')})` : ' (none in this range)'
    }.${idx.length < rows.length ? ` ${idx.length} of ${rows.length} days plotted.` : ''}</sub>`,
  ].join('\n');
}

/** Strategy vs buy-and-hold equity of one backtest (both start at 1). Undefined with fewer than two points. */
export function equityMermaid(bt: SignalBacktest): string | undefined {
  const eq = bt.equity;
  if (eq.length < 2) return undefined;
  const entries = new Set(bt.trades.map((t) => t.entryDate));
  const idx = thinIndices(
    eq.length,
    MAX_POINTS,
    new Set(eq.flatMap((p, i) => (entries.has(p.date) ? [i] : []))),
  );
  const strategy = idx.map((i) => eq[i]!.strategy);
  const buyHold = idx.map((i) => eq[i]!.buyHold);
  const all = [...strategy, ...buyHold];
  const lo = Math.floor(Math.min(...all) * 20) / 20;
  const hi = Math.ceil(Math.max(...all) * 20) / 20;
  const label = bt.signal.replace(/_/g, ' ');
  return [
    fence([
      init([EQUITY_COLORS.strategy, EQUITY_COLORS.buyHold]),
      'xychart-beta',
      `  title ${quoted(`Equity: ${label}, hold ${bt.holdDays} days vs buy and hold`)}`,
      xAxis(eq[0]!.date, eq.at(-1)!.date, eq.length),
      `  y-axis ${quoted('growth of 1')} ${fmt(lo, 2)} --> ${fmt(hi === lo ? hi + 0.05 : hi, 2)}`,
      `  line ${list(strategy, 4)}`,
      `  line ${list(buyHold, 4)}`,
    ]),
    `<sub>Blue: the strategy (in the equal-weight index for ${bt.holdDays} trading days after each firing, else cash). Grey: buy and hold. ${bt.trades.length} trade${bt.trades.length === 1 ? '' : 's'}.</sub>`,
  ].join('\n');
}
