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
  /** The strip under the chart: one row per signal, a tick at each firing. */
  signalFirings: 'signal_firings',
  /** The last RECENT_YEARS of a long range, drawn again at a readable scale. */
  recentRatio: 'recent_ad_ratio',
  recentEma: 'recent_zweig_ema',
} as const;

/** Ranges longer than this many years get a recent-window panel above the overview. */
export const RECENT_YEARS = 2;
const DAY_MS = 86_400_000;
const SIGNAL_COLORS: Record<string, string> = {
  zweig_breadth_thrust: '#d4582a',
  deemer_breadth_thrust: '#2a8f4d',
  whaley_breadth_thrust: '#7a3fb0',
};

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
function breadthLayers(
  rows: readonly BreadthSeriesRow[],
  opts: { events?: readonly SignalEvent[]; synthetic?: boolean; width?: number } = {},
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
  return {
    width: opts.width ?? 800,
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

/** Chart width: 800 px for up to ten years, then 60 px per year (a 20-year range gets 1200 px). */
function widthFor(rows: readonly BreadthSeriesRow[]): number {
  if (rows.length < 2) return 800;
  const years = (utcMillis(rows.at(-1)!.date) - utcMillis(rows[0]!.date)) / (365.25 * DAY_MS);
  return Math.round(Math.max(800, Math.min(1600, 60 * years)));
}

/**
 * Daily A/(A+D) (light) and its Zweig EMA10 (bold) with the oversold (0.40) and thrust (0.615) lines, and a marker
 * at each Zweig firing; under it a strip with every signal's firings, one row per signal. A range longer than
 * RECENT_YEARS gets the last RECENT_YEARS again on top, at a scale where single days can be told apart.
 * Thresholds come from the rule module so the picture and the rule cannot disagree.
 */
export function breadthChartSpec(
  rows: readonly BreadthSeriesRow[],
  opts: { events?: readonly SignalEvent[]; synthetic?: boolean } = {},
) {
  const width = widthFor(rows);
  const events = opts.events ?? [];
  const title = 'Breadth: advance ratio and Zweig EMA10';
  const strip = {
    width,
    height: 22 * Math.max(1, new Set(events.map((e) => e.signal)).size),
    data: {
      values: events.map((e) => ({ t: utcMillis(e.date), signal: e.signal, label: `${e.signal} ${e.date}` })),
    },
    name: BREADTH_MARKS.signalFirings,
    mark: { type: 'tick', thickness: 2, size: 16 },
    encoding: {
      x: {
        field: 't',
        type: 'temporal',
        scale: {
          type: 'utc',
          domain: rows.length ? [utcMillis(rows[0]!.date), utcMillis(rows.at(-1)!.date)] : undefined,
        },
        axis: { title: null, format: '%Y', labelAngle: 0 },
      },
      y: { field: 'signal', type: 'nominal', axis: { title: null, labelLimit: 220 } },
      color: {
        field: 'signal',
        type: 'nominal',
        scale: { domain: Object.keys(SIGNAL_COLORS), range: Object.values(SIGNAL_COLORS) },
        legend: null,
      },
      description: { field: 'label' },
    },
  };
  const first = rows[0]?.date;
  const last = rows.at(-1)?.date;
  const recentFrom =
    last && first && utcMillis(last) - utcMillis(first) > (RECENT_YEARS + 1) * 365.25 * DAY_MS
      ? new Date(utcMillis(last) - RECENT_YEARS * 365.25 * DAY_MS).toISOString().slice(0, 10)
      : null;
  const recentRows = recentFrom ? rows.filter((r) => r.date >= recentFrom) : [];
  const recent = recentFrom
    ? {
        title: { text: `Last ${RECENT_YEARS} years (${recentFrom} → ${last})`, fontSize: 14 },
        width,
        height: 220,
        layer: [
          {
            data: {
              values: recentRows.map((r) => ({ t: utcMillis(r.date), ema: r.zweigEma, ratio: r.adRatio })),
            },
            layer: [
              {
                name: BREADTH_MARKS.recentRatio,
                mark: { type: 'line', color: RATIO_COLOR, strokeWidth: 0.8 },
                encoding: {
                  x: {
                    field: 't',
                    type: 'temporal',
                    scale: { type: 'utc' },
                    axis: { title: null, format: '%Y-%m' },
                  },
                  y: {
                    field: 'ratio',
                    type: 'quantitative',
                    scale: { domain: [0, 1] },
                    axis: { title: 'A / (A + D)' },
                  },
                },
              },
              {
                name: BREADTH_MARKS.recentEma,
                mark: { type: 'line', color: EMA_COLOR, strokeWidth: 1.8 },
                encoding: {
                  x: { field: 't', type: 'temporal', scale: { type: 'utc' } },
                  y: { field: 'ema', type: 'quantitative', scale: { domain: [0, 1] } },
                },
              },
            ],
          },
        ],
      }
    : null;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `${title}. ${events.filter((e) => e.signal === 'zweig_breadth_thrust').length} Zweig firings marked; ${events.length} firings of all signals in the strip below.`,
    title: {
      text: opts.synthetic ? `SYNTHETIC DATA: ${title}` : title,
      subtitle: `light: daily A/(A+D); blue: EMA10 (alpha 2/11); dashed: ${threshold(ZWEIG.oversoldBelow)} and ${threshold(ZWEIG.thrustAbove)}; ▲ Zweig firing; strip: every signal's firings`,
      color: opts.synthetic ? '#b00020' : '#111',
    },
    spacing: 16,
    vconcat: [...(recent ? [recent] : []), breadthLayers(rows, { ...opts, width }), strip],
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
