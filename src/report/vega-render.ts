import { parse, View, logger as vegaLogger, Warn } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { type Logger, silentLogger } from '../util/log.ts';

/** One font stack for every chart: DejaVu ships with Debian, so headless renders measure text sensibly. */
export const CHART_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Shared look: white background, readable sizes, quiet grid. Merged into every spec by `renderVegaLiteSvg`. */
export const CHART_CONFIG = {
  font: CHART_FONT,
  background: 'white',
  padding: 12,
  view: { stroke: '#bbb' },
  title: { fontSize: 17, subtitleFontSize: 13, subtitleColor: '#444', anchor: 'start', offset: 10 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 13, titleFontSize: 13, symbolStrokeWidth: 3 },
} as const;

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string headlessly (`renderer: 'none'`, no canvas, no DOM).
 * Specs must carry their data inline: no loader is given, so nothing is fetched. Vega's own warnings go to `log`
 * instead of the console.
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec, log: Logger = silentLogger): Promise<string> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const chartLogger = vegaLogger(Warn, undefined, (method, _level, args) => {
    const text = `chart: ${args.map(String).join(' ')}`;
    if (method === 'error') log.error(text);
    else log.warn(text);
  });
  const { spec: vegaSpec } = compile(withConfig, { logger: chartLogger });
  const view = new View(parse(vegaSpec), { renderer: 'none', logger: chartLogger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * `YYYY-MM-DD` → epoch ms at UTC midnight. Charts carry dates as numbers on a `utc` scale: the machine's time zone
 * cannot shift a day, and Vega-Lite's `format.parse` is avoided (it parses twice when it merges identical datasets).
 */
export function utcMillis(isoDate: string): number {
  const ms = Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`chart date "${isoDate}" is not YYYY-MM-DD`);
  return ms;
}
