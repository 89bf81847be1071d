import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { ZWEIG } from '../signals/rules.ts';
import type { Logger } from '../util/log.ts';
import { renderVegaLiteSvg, utcMillis } from './vega-render.ts';

/** Mark names (`<name>_marks` classes in the SVG) for tests and post-processing. */
export const BREADTH_MARKS = {
  ratio: 'ad_ratio',
  ema: 'zweig_ema',
  thresholdLines: 'zweig_threshold_lines',
  thresholdLabels: 'zweig_threshold_labels',
  firings: 'zweig_firings',
} as const;

const RATIO_COLOR = '#b9c6d6';
const EMA_COLOR = '#1f5fa8';
const FIRING_COLOR = '#d4582a';

/** 0.4 → "0.40", 0.615 → "0.615": at least two decimals, as the rule is usually quoted. */
function threshold(v: number): string {
  const decimals = (String(v).split('.')[1] ?? '').length;
  return v.toFixed(Math.max(2, decimals));
}

/**
 * Daily A/(A+D) (light) and its Zweig EMA10 (bold) with the oversold (0.40) and thrust (0.615) lines, and a marker
 * at each Zweig firing. Thresholds come from the rule module so the picture and the rule cannot disagree.
 */
export function breadthChartSpec(
  rows: readonly BreadthSeriesRow[],
  opts: { events?: readonly SignalEvent[]; synthetic?: boolean } = {},
) {
  const series = rows.map((r) => ({ t: utcMillis(r.date), ratio: r.adRatio, ema: r.zweigEma }));
  // Markers sit on the plotted EMA of their date (the event value is that same EMA when the data agree).
  const emaOn = new Map(rows.map((r) => [r.date, r.zweigEma]));
  const firings = (opts.events ?? [])
    .filter((e) => e.signal === 'zweig_breadth_thrust')
    .map((e) => ({
      t: utcMillis(e.date),
      ema: emaOn.get(e.date) ?? e.value,
      label: `Zweig firing ${e.date}: EMA ${e.value.toFixed(4)}`,
    }));
  const thresholds = [
    { y: ZWEIG.oversoldBelow, label: `${threshold(ZWEIG.oversoldBelow)} oversold` },
    { y: ZWEIG.thrustAbove, label: `${threshold(ZWEIG.thrustAbove)} thrust` },
  ];
  const x = {
    field: 't',
    type: 'temporal',
    scale: { type: 'utc' },
    axis: { title: null, format: '%Y-%m', labelAngle: 0 },
  } as const;
  const y = {
    type: 'quantitative',
    scale: { domain: [0, 1] },
    axis: { title: 'A / (A + D)', format: '.1f' },
  } as const;
  const title = 'Breadth: advance ratio and Zweig EMA10';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `${title}. ${firings.length} Zweig firings marked.`,
    title: {
      text: opts.synthetic ? `SYNTHETIC DATA: ${title}` : title,
      subtitle: `light: daily A/(A+D); blue: EMA10 (alpha 2/11); dashed: ${threshold(ZWEIG.oversoldBelow)} and ${threshold(ZWEIG.thrustAbove)}; ▲ Zweig firing`,
      color: opts.synthetic ? '#b00020' : '#111',
    },
    width: 800,
    height: 220,
    layer: [
      {
        name: BREADTH_MARKS.ratio,
        data: { values: series },
        mark: { type: 'line', color: RATIO_COLOR, strokeWidth: 0.8 },
        encoding: { x, y: { ...y, field: 'ratio' } },
      },
      {
        name: BREADTH_MARKS.ema,
        data: { values: series },
        mark: { type: 'line', color: EMA_COLOR, strokeWidth: 1.8 },
        encoding: { x, y: { ...y, field: 'ema' } },
      },
      {
        data: { values: thresholds },
        layer: [
          {
            name: BREADTH_MARKS.thresholdLines,
            mark: { type: 'rule', color: '#444', strokeDash: [5, 4], strokeWidth: 1 },
            encoding: { y: { field: 'y', type: 'quantitative' } },
          },
          {
            name: BREADTH_MARKS.thresholdLabels,
            // Labels sit just outside the plot's right edge so they never cover the lines.
            mark: {
              type: 'text',
              align: 'left',
              baseline: 'middle',
              dx: 6,
              fontSize: 12,
              color: '#333',
              x: 'width',
            },
            encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
      {
        name: BREADTH_MARKS.firings,
        data: { values: firings },
        mark: {
          type: 'point',
          shape: 'triangle-up',
          filled: true,
          size: 90,
          color: FIRING_COLOR,
          opacity: 1,
          stroke: 'white',
          strokeWidth: 1,
        },
        encoding: { x, y: { ...y, field: 'ema' }, description: { field: 'label' } },
      },
    ],
  } as const;
}

export async function renderBreadthSvg(
  rows: readonly BreadthSeriesRow[],
  opts: { events?: readonly SignalEvent[]; synthetic?: boolean; log?: Logger } = {},
): Promise<string> {
  return renderVegaLiteSvg(
    breadthChartSpec(rows, opts) as unknown as Parameters<typeof renderVegaLiteSvg>[0],
  );
}
