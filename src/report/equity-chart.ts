import type { SignalBacktest } from '../domain/backtest.ts';
import type { Logger } from '../util/log.ts';
import { renderVegaLiteSvg, utcMillis } from './vega-render.ts';

/**
 * Mark names in the rendered SVG: Vega puts `<name>_marks` on each mark's `<g class=…>`, so tests (and anyone
 * post-processing the SVG) can find the series and count the entry markers.
 */
export const EQUITY_MARKS = {
  curves: 'equity_curves',
  entryRules: 'entry_rules',
  entryMarkers: 'entry_markers',
  strategyDrawdown: 'strategy_drawdown',
  buyHoldDrawdown: 'buyhold_drawdown',
} as const;

export const STRATEGY_COLOR = '#1f5fa8';
export const BUY_HOLD_COLOR = '#9a9a9a';
const ENTRY_COLOR = '#d4582a';
const WIDTH = 860;

export function signalLabel(signal: string): string {
  return signal
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

function percent(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

/**
 * Strategy vs buy-and-hold equity (top, log scale when every value is positive, else linear) with a marker on
 * the strategy curve at each trade entry, and both drawdowns below (drawn ≤ 0 whichever sign the input uses).
 */
export function equityChartSpec(bt: SignalBacktest, opts: { title?: string; synthetic?: boolean } = {}) {
  const strategyName = `Strategy (hold ${bt.holdDays}d after firing)`;
  const buyHoldName = 'Buy & hold (equal-weight index)';
  const curves = bt.equity.flatMap((p) => [
    { t: utcMillis(p.date), series: strategyName, equity: p.strategy },
    { t: utcMillis(p.date), series: buyHoldName, equity: p.buyHold },
  ]);
  const drawdowns = bt.equity.map((p) => ({
    t: utcMillis(p.date),
    strategy: -Math.abs(p.strategyDrawdown),
    buyHold: -Math.abs(p.buyHoldDrawdown),
  }));
  const strategyOn = new Map(bt.equity.map((p) => [p.date, p.strategy]));
  const entries = bt.trades.map((t) => ({
    t: utcMillis(t.entryDate),
    equity: strategyOn.get(t.entryDate) ?? null,
    label: `Entry ${t.entryDate} → exit ${t.exitDate} (${t.days}d): ${percent(t.return)}`,
  }));
  const logScale = curves.length > 0 && curves.every((c) => c.equity > 0);

  const baseTitle = opts.title ?? `${signalLabel(bt.signal)}: strategy vs buy-and-hold`;
  const title = opts.synthetic ? `SYNTHETIC DATA: ${baseTitle}` : baseTitle;
  const x = {
    field: 't',
    type: 'temporal',
    scale: { type: 'utc' },
    axis: { title: null, format: '%Y-%m', labelAngle: 0, labelOverlap: true },
  } as const;

  // Only the bottom panel labels dates; the shared x scale keeps the panels aligned.
  const xTop = { ...x, axis: { ...x.axis, labels: false, ticks: false } };
  const top = {
    width: WIDTH,
    height: 300,
    layer: [
      {
        data: { values: entries },
        name: EQUITY_MARKS.entryRules,
        mark: { type: 'rule', color: ENTRY_COLOR, opacity: 0.35, strokeDash: [3, 3] },
        encoding: { x: xTop },
      },
      {
        data: { values: curves },
        name: EQUITY_MARKS.curves,
        mark: { type: 'line', strokeWidth: 1.8, interpolate: 'linear' },
        encoding: {
          x: xTop,
          y: {
            field: 'equity',
            type: 'quantitative',
            // A few pixels of padding keep the extremes off the frame.
            scale: logScale
              ? { type: 'log', nice: false, padding: 6 }
              : { type: 'linear', zero: false, nice: false, padding: 6 },
            axis: {
              title: `Equity (start = 1${logScale ? ', log scale' : ''})`,
              format: '.2~f',
              labelOverlap: 'greedy',
              labelSeparation: 4,
            },
          },
          color: {
            field: 'series',
            type: 'nominal',
            scale: { domain: [strategyName, buyHoldName], range: [STRATEGY_COLOR, BUY_HOLD_COLOR] },
            // Above the plot, never over it: a legend inside the plot covered the lines it names.
            legend: {
              title: null,
              orient: 'top',
              direction: 'horizontal',
              labelLimit: 400,
            },
          },
        },
      },
      {
        data: { values: entries.filter((e) => e.equity !== null) },
        name: EQUITY_MARKS.entryMarkers,
        mark: {
          type: 'point',
          shape: 'triangle-up',
          filled: true,
          size: 110,
          color: ENTRY_COLOR,
          stroke: 'white',
          strokeWidth: 1,
          opacity: 1,
        },
        encoding: { x: xTop, y: { field: 'equity', type: 'quantitative' }, description: { field: 'label' } },
      },
    ],
  };

  const bottom = {
    width: WIDTH,
    height: 120,
    data: { values: drawdowns },
    layer: [
      {
        name: EQUITY_MARKS.strategyDrawdown,
        mark: { type: 'area', color: STRATEGY_COLOR, opacity: 0.35 },
        encoding: {
          x,
          y: {
            field: 'strategy',
            type: 'quantitative',
            stack: null,
            axis: { title: 'Drawdown', format: '.0%' },
          },
        },
      },
      {
        name: EQUITY_MARKS.buyHoldDrawdown,
        mark: { type: 'line', color: BUY_HOLD_COLOR, strokeWidth: 1.2 },
        encoding: { x, y: { field: 'buyHold', type: 'quantitative' } },
      },
    ],
  };

  const subtitle = [
    `${bt.trades.length} trade${bt.trades.length === 1 ? '' : 's'} (▲ = entry), ${bt.firings} firing${bt.firings === 1 ? '' : 's'}; lower panel: drawdown, strategy shaded, buy-and-hold grey line`,
  ];
  if (opts.synthetic)
    subtitle.unshift('Synthetic sample prices, not market data: do not read these results as evidence.');

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `${title}. ${entries.length} trade entries marked.`,
    title: {
      text: title,
      subtitle,
      color: opts.synthetic ? '#b00020' : '#111',
    },
    vconcat: [top, bottom],
    spacing: 14,
    resolve: { scale: { x: 'shared' } },
  } as const;
}

/** Renders `equityChartSpec` to a standalone SVG string (headless, offline). */
export async function renderEquitySvg(
  bt: SignalBacktest,
  opts: { title?: string; synthetic?: boolean; log?: Logger } = {},
): Promise<string> {
  // The literal spec is narrower than TopLevelSpec's unions can check structurally; vega-lite validates at compile.
  return renderVegaLiteSvg(
    equityChartSpec(bt, opts) as unknown as Parameters<typeof renderVegaLiteSvg>[0],
    opts.log,
  );
}
