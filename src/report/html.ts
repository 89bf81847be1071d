import { TRADING_DAYS_PER_YEAR } from '../backtest/metrics.ts';
import type { PerformanceMetrics, SignalBacktest } from '../domain/backtest.ts';
import { FORWARD_HORIZONS } from '../domain/backtest.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { MCCLELLAN, SIGNAL_RULES, ZWEIG } from '../signals/rules.ts';
import { escapeControl } from '../util/escape.ts';
import type { Logger } from '../util/log.ts';
import { renderBreadthSvg } from './breadth-chart.ts';
import { renderEquitySvg, signalLabel } from './equity-chart.ts';
import { type SignalVerdict, thrustVerdict } from './verdict.ts';

/** Facts about one run, shown in the report header and written to metrics.json. */
export interface RunFacts {
  /** Names this run in every file of its output set (metrics.json, report.html, equity.svg, manifest.json). */
  runId?: string;
  title: string;
  /** The list name or file the symbols came from. */
  symbolList: string;
  source: string;
  synthetic: boolean;
  engine: string;
  /** ISO timestamp. */
  generatedAt: string;
  dateRange: { start: string; end: string };
  /** Symbols of the list left out because they have no data, each with why (none when absent). */
  skippedSymbols?: readonly { symbol: string; reason: string }[];
  /** What a reader must know before trusting the numbers (src/report/warnings.ts); shown at the top. */
  warnings?: readonly string[];
}

export interface ReportHtmlInput extends RunFacts {
  breadth: readonly BreadthSeriesRow[];
  events: readonly SignalEvent[];
  backtests: readonly SignalBacktest[];
  /** Signal name → standalone SVG from `renderEquitySvg`. */
  equitySvgs: Record<string, string>;
  /** SVG from `renderBreadthSvg`; the section says so when it is missing. */
  breadthSvg?: string;
  /** Replaces the default conventions list (`reportConventions`). */
  conventions?: readonly string[];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values (control characters shown as \xNN). */
export function escapeHtml(text: string | number): string {
  return escapeControl(String(text)).replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/**
 * Several inline SVGs share one document's id space: Vega numbers its clip paths and gradients per render
 * (`clip1`…), so two charts would collide. Prefix every id and every `#id` reference with `prefix`.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) => (ids.has(id) ? `url(#${prefix}-${id})` : whole))
    .replace(/((?:xlink:)?href=")#([^"]+)"/g, (whole, head: string, id: string) =>
      ids.has(id) ? `${head}#${prefix}-${id}"` : whole,
    );
}

/** Drops a leading XML declaration or doctype so the SVG can sit inside HTML. */
function inlineSvg(svg: string, prefix: string): string {
  const body = svg.replace(/^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?/i, '');
  return namespaceSvgIds(body, prefix);
}

const MINUS = '\u2212';
const DASH = '\u2014';

function nullCell(): string {
  return `<td class="num na" title="not defined for this input">${DASH}</td>`;
}

function signed(text: string, value: number): string {
  if (value > 0) return `+${text}`;
  return text.replace('-', MINUS);
}

/** Percentage with one decimal; `sign` adds + to positives (returns), otherwise only negatives carry a sign. */
export function formatPercent(value: number | null, opts: { sign?: boolean; digits?: number } = {}): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  const text = `${(value * 100).toFixed(opts.digits ?? 1)}%`;
  return opts.sign ? signed(text, value) : text.replace('-', MINUS);
}

export function formatRatio(value: number | null, digits = 2): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  return value.toFixed(digits).replace('-', MINUS);
}

function numCell(text: string): string {
  return text === DASH ? nullCell() : `<td class="num">${escapeHtml(text)}</td>`;
}

/** Drawdowns arrive as positive fractions (src/backtest/metrics.ts); the table shows them as losses. */
function drawdownText(maxDrawdown: number): string {
  return maxDrawdown === 0 ? '0.0%' : formatPercent(-Math.abs(maxDrawdown));
}

function metricsRow(label: string, m: PerformanceMetrics, first: string): string {
  return `<tr>${first}<th scope="row">${escapeHtml(label)}</th>${[
    formatPercent(m.totalReturn, { sign: true }),
    formatPercent(m.cagr, { sign: true }),
    formatPercent(m.volatility),
    formatRatio(m.sharpe),
    formatRatio(m.sortino),
    drawdownText(m.maxDrawdown),
    formatPercent(m.exposure, { digits: 0 }),
    String(m.trades),
  ]
    .map(numCell)
    .join('')}</tr>`;
}

function metricsTable(backtests: readonly SignalBacktest[]): string {
  if (backtests.length === 0) return '<p class="empty">No backtests in this run.</p>';
  const head =
    '<tr><th scope="col">Signal</th><th scope="col">Series</th><th scope="col">Total return</th><th scope="col">CAGR</th>' +
    '<th scope="col">Volatility</th><th scope="col">Sharpe</th><th scope="col">Sortino</th>' +
    '<th scope="col">Max drawdown</th><th scope="col">Exposure</th><th scope="col">Trades</th></tr>';
  const body = backtests
    .map((bt) => {
      const name = `<th scope="rowgroup" rowspan="2" class="signal">${escapeHtml(signalLabel(bt.signal))}<span class="sub">hold ${escapeHtml(bt.holdDays)}d, ${escapeHtml(bt.firings)} firing${bt.firings === 1 ? '' : 's'}</span></th>`;
      return `<tbody>${metricsRow('Strategy', bt.strategy, name)}${metricsRow('Buy & hold', bt.buyHold, '')}</tbody>`;
    })
    .join('');
  return `<table class="metrics"><thead>${head}</thead>${body}</table>`;
}

function forwardReturnsTable(backtests: readonly SignalBacktest[]): string {
  if (backtests.length === 0) return '<p class="empty">No backtests in this run.</p>';
  const horizons = [
    ...new Set([...FORWARD_HORIZONS, ...backtests.flatMap((b) => b.forwardReturns.map((f) => f.horizon))]),
  ].sort((a, b) => a - b);
  const head = `<tr><th scope="col">Signal</th><th scope="col">Statistic</th>${horizons
    .map((h) => `<th scope="col">${escapeHtml(h)}d</th>`)
    .join('')}</tr>`;
  const stats = [
    {
      label: 'Mean',
      cell: (f?: SignalBacktest['forwardReturns'][number]) => formatPercent(f?.mean ?? null, { sign: true }),
    },
    {
      label: 'Median',
      cell: (f?: SignalBacktest['forwardReturns'][number]) =>
        formatPercent(f?.median ?? null, { sign: true }),
    },
    {
      label: 'Hit rate',
      cell: (f?: SignalBacktest['forwardReturns'][number]) =>
        formatPercent(f?.hitRate ?? null, { digits: 0 }),
    },
    { label: 'Count', cell: (f?: SignalBacktest['forwardReturns'][number]) => String(f?.count ?? 0) },
  ];
  const body = backtests
    .map((bt) => {
      const byHorizon = new Map(bt.forwardReturns.map((f) => [f.horizon, f]));
      const rows = stats.map((s, i) => {
        const first =
          i === 0
            ? `<th scope="rowgroup" rowspan="${stats.length}" class="signal">${escapeHtml(signalLabel(bt.signal))}</th>`
            : '';
        return `<tr>${first}<th scope="row">${s.label}</th>${horizons.map((h) => numCell(s.cell(byHorizon.get(h)))).join('')}</tr>`;
      });
      return `<tbody>${rows.join('')}</tbody>`;
    })
    .join('');
  return `<table class="forward"><thead>${head}</thead>${body}</table>`;
}

function firingsTable(events: readonly SignalEvent[]): string {
  if (events.length === 0) return '<p class="empty">No signal fired in this date range.</p>';
  const sorted = [...events].sort((a, b) =>
    a.date < b.date ? -1 : a.date > b.date ? 1 : a.signal < b.signal ? -1 : 1,
  );
  const rows = sorted
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.date)}</td><td>${escapeHtml(signalLabel(e.signal))}</td>${numCell(formatRatio(e.value, 4))}</tr>`,
    )
    .join('');
  return `<table class="firings"><thead><tr><th scope="col">Date</th><th scope="col">Signal</th><th scope="col">Indicator value</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function listDates(dates: readonly string[]): string {
  if (dates.length <= 8) return dates.join(', ');
  return `${dates.slice(0, 3).join(', ')} … ${dates.slice(-3).join(', ')}`;
}

function signalAnswer(v: SignalVerdict): string {
  const name = `<strong>${escapeHtml(signalLabel(v.signal))}</strong>`;
  if (v.dates.length === 0) return `<li>${name} did not fire.</li>`;
  const n = v.dates.length;
  const parts = [`${name} fired ${n} time${n === 1 ? '' : 's'}: ${escapeHtml(listDates(v.dates))}.`];
  if (v.latest) {
    const moves = v.latest.after.map((a) =>
      a.return === null
        ? `not yet known after ${a.horizon} days (the data ends first)`
        : `<span class="${a.return >= 0 ? 'up' : 'down'}">${escapeHtml(formatPercent(a.return, { sign: true }))}</span> after ${a.horizon} days`,
    );
    parts.push(`After the latest, on ${escapeHtml(v.latest.date)}, the index moved ${moves.join(', ')}.`);
  }
  const avg = v.average.filter((a) => a.count > 0 && a.mean !== null);
  if (n > 1 && avg.length) {
    parts.push(
      `On average after every firing: ${avg
        .map(
          (a) =>
            `${escapeHtml(formatPercent(a.mean, { sign: true }))} after ${a.horizon} days (up ${escapeHtml(formatPercent(a.hitRate, { digits: 0 }))} of ${a.count})`,
        )
        .join(', ')}.`,
    );
  }
  return `<li>${parts.join(' ')}</li>`;
}

const DAY_MS = 86_400_000;

/**
 * The page's first line: each signal's latest firing and how many calendar days before the end of the data it was
 * (the data's last day, not today: the report describes its range).
 */
function latestLine(input: Pick<ReportHtmlInput, 'breadth' | 'events' | 'backtests'>): string {
  const end = input.breadth.at(-1)?.date;
  const names = input.backtests.length
    ? input.backtests.map((b) => b.signal)
    : [...new Set(input.events.map((e) => e.signal))];
  if (!end || names.length === 0) return '';
  const parts = names.map((signal) => {
    const last = input.events
      .filter((e) => e.signal === signal)
      .reduce<string | null>((m, e) => (m === null || e.date > m ? e.date : m), null);
    if (!last) return `${escapeHtml(signalLabel(signal))}: no firing`;
    const days = Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${last}T00:00:00Z`)) / DAY_MS);
    return `${escapeHtml(signalLabel(signal))}: ${escapeHtml(last)} (${days} day${days === 1 ? '' : 's'} before ${escapeHtml(end)})`;
  });
  return `<p class="latest" id="latest-firings">Latest firing — ${parts.join(' · ')}</p>`;
}

function warningsBlock(warnings: readonly string[]): string {
  if (warnings.length === 0) return '';
  return `<div class="warnings" role="note" id="warnings"><strong>Read with care</strong><ul>${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>`;
}

/** The first screen: did a thrust fire, when, and what the index did afterwards — in words, before any table. */
function verdictSection(input: Pick<ReportHtmlInput, 'breadth' | 'events' | 'backtests'>): string {
  const v = thrustVerdict(input.breadth, input.events, input.backtests);
  const range = v.range ? ` between ${escapeHtml(v.range.start)} and ${escapeHtml(v.range.end)}` : '';
  const latest = [...input.events].sort((a, b) => b.date.localeCompare(a.date))[0];
  const answer = v.fired
    ? `<p class="answer yes"><strong>Yes.</strong> ${input.events.length} breadth-thrust firing${input.events.length === 1 ? '' : 's'}${range}; the latest was the ${escapeHtml(signalLabel(latest!.signal))} on ${escapeHtml(latest!.date)}.</p>`
    : `<p class="answer no"><strong>No.</strong> No breadth thrust fired${range}.</p>`;
  return `${answer}<ul class="verdict">${v.signals.map(signalAnswer).join('')}</ul>`;
}

/** The exact rules the numbers on the page follow, with thresholds read from the rule module. */
export function reportConventions(
  backtests: readonly Pick<SignalBacktest, 'signal' | 'holdDays'>[] = [],
): string[] {
  const holds = [...new Set(backtests.map((b) => b.holdDays))];
  return [
    "Breadth per trading day: an advancer (decliner) is a symbol whose adjusted close rose (fell) versus its own previous available bar; a symbol's first bar counts as an issue but neither advances nor declines.",
    `Advance ratio A/(A+D), undefined when A + D = 0. Zweig EMA10 = EMA of that ratio with alpha 2/11 (${ZWEIG.emaAlpha.toFixed(4)}), seeded with the first ratio and left unchanged on days when the ratio is undefined.`,
    `McClellan oscillator = EMA(A−D, alpha ${MCCLELLAN.fastAlpha}) − EMA(A−D, alpha ${MCCLELLAN.slowAlpha}); A/D line = cumulative sum of A − D.`,
    ...Object.values(SIGNAL_RULES).map((rule) => rule.description),
    'A firing is a strict upward crossing: value today > threshold and value the previous trading day ≤ threshold, both defined. Windows count trading days (rows), not calendar days.',
    "Index: equal-weight, each day the mean of the symbols' one-day returns; level starts at 1 on the first day.",
    `Forward return after a firing at horizon h: index level h trading days later / level on the firing day − 1, counted only when that day exists. Horizons: ${FORWARD_HORIZONS.join(', ')} trading days. Hit rate = share of positive forward returns.`,
    `Strategy: buy the index at the close of the firing day, hold ${holds.length ? holds.join(' / ') : 'N'} trading days, otherwise in cash earning 0. A firing during an open trade does not extend it. No costs, no slippage.`,
    `Metrics over the same daily returns for strategy and buy-and-hold: CAGR = (1 + total)^(${TRADING_DAYS_PER_YEAR}/days) − 1; volatility = sample std × √${TRADING_DAYS_PER_YEAR}; Sharpe = mean / std × √${TRADING_DAYS_PER_YEAR} (risk-free 0); Sortino uses the downside deviation over all days (target 0); max drawdown = largest fall below the running peak of equity; exposure = share of days invested.`,
    `${DASH} marks a value that is undefined for the input (e.g. Sortino when no day lost money, a horizon past the end of the data).`,
  ];
}

const CSS = `
:root { color-scheme: light; --ink: #16181d; --muted: #5b6270; --line: #d9dde3; --band: #f5f7fa; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 16px; }
p.latest { font-weight: 600; margin: 0 0 8px; }
.warnings { border: 1px solid #b58900; background: #fdf6e3; border-radius: 4px; padding: 8px 12px; margin: 0 0 16px; }
.warnings ul { margin: 4px 0 0; padding-left: 20px; }
.banner { background: #b00020; color: #fff; padding: 14px 28px; font-size: 17px; border-bottom: 4px solid #6d0014; }
.banner strong { font-size: 20px; letter-spacing: 0.04em; margin-right: 10px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 4px 18px; margin: 0; padding: 12px 16px; background: var(--band); border: 1px solid var(--line); border-radius: 6px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin: 6px 0; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--band); border-bottom: 2px solid #b9c0ca; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
thead th:nth-child(n+3) { text-align: right; }
table.firings thead th:nth-child(3) { text-align: right; }
tbody + tbody { border-top: 2px solid #b9c0ca; }
th.signal { font-weight: 600; min-width: 170px; }
th.signal .sub { display: block; font-weight: normal; color: var(--muted); font-size: 13px; }
tbody th[scope="row"] { font-weight: normal; color: var(--muted); white-space: nowrap; }
td.na { color: #9aa1ab; }
table.firings { width: auto; min-width: 480px; }
figure { margin: 16px 0 28px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.empty { color: var(--muted); font-style: italic; }
p.answer { font-size: 18px; margin: 18px 0 6px; }
p.answer.yes strong { color: #2e7d32; }
p.answer.no strong { color: var(--muted); }
ul.verdict { margin: 0 0 8px; padding-left: 20px; }
ul.verdict li { margin-bottom: 6px; }
.up { color: #2e7d32; font-weight: 600; }
.down { color: #b00020; font-weight: 600; }
ol.conventions li { margin-bottom: 6px; }
@media print { .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
`;

/** The symbols left out of the run and why; nothing when every symbol had data. */
function skippedSection(skipped: readonly { symbol: string; reason: string }[]): string {
  if (skipped.length === 0) return '';
  const rows = skipped.map(
    (f) => `<tr><td>${escapeHtml(f.symbol)}</td><td>${escapeHtml(f.reason)}</td></tr>`,
  );
  return `<section id="skipped-symbols">
<h2>Skipped symbols (${skipped.length})</h2>
<p>These symbols had no prices, so breadth and the index leave them out.</p>
<table><thead><tr><th>symbol</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

export function renderReportHtml(input: ReportHtmlInput): string {
  const esc = escapeHtml;
  const firingCounts = input.backtests.length
    ? input.backtests.map((b) => `${signalLabel(b.signal)}: ${b.firings}`).join(' · ')
    : `${input.events.length}`;
  const facts: [string, string][] = [
    ['Symbol list', input.symbolList],
    ['Source', input.synthetic ? `${input.source} (synthetic)` : input.source],
    ['Engine', input.engine],
    ['Date range', `${input.dateRange.start} → ${input.dateRange.end}`],
    ['Trading days', String(input.breadth.length)],
    ['Issues (last day)', String(input.breadth.at(-1)?.issues ?? 0)],
    ['Firings', firingCounts],
    ['Skipped symbols', String(input.skippedSymbols?.length ?? 0)],
    ['Generated', input.generatedAt],
  ];
  const banner = input.synthetic
    ? '<div class="banner" role="alert"><strong>SYNTHETIC DATA</strong>These prices are generated samples, not market data. The signals, trades and metrics below only demonstrate the pipeline; do not read them as evidence about any market.</div>'
    : '';
  const charts = input.backtests
    .map((bt) => {
      const svg = input.equitySvgs[bt.signal];
      const body = svg
        ? inlineSvg(svg, `eq-${bt.signal}`)
        : `<p class="empty">Equity chart for ${esc(signalLabel(bt.signal))} was not rendered.</p>`;
      return `<figure id="equity-${esc(bt.signal)}">${body}<figcaption>Top: equity of the hold-${esc(bt.holdDays)}-day strategy and of buying and holding the equal-weight index (log scale when all values are positive); triangles mark trade entries. Bottom: drawdown from the running peak.</figcaption></figure>`;
    })
    .join('');
  const breadthFigure = input.breadthSvg
    ? `<figure>${inlineSvg(input.breadthSvg, 'breadth')}<figcaption>Daily advance ratio A/(A+D), its Zweig EMA10, and the ${ZWEIG.oversoldBelow.toFixed(2)} / ${ZWEIG.thrustAbove} thresholds; triangles mark Zweig firings.</figcaption></figure>`
    : '<p class="empty">Breadth chart was not rendered.</p>';
  const conventions = input.conventions ?? reportConventions(input.backtests);
  const pageTitle = input.synthetic ? `[SYNTHETIC] ${input.title}` : input.title;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(pageTitle)}</title>${input.runId ? `\n<meta name="bf-run-id" content="${esc(input.runId)}">` : ''}
<style>${CSS}</style>
</head>
<body>
${banner}
<main>
<header>
<h1>${esc(input.title)}</h1>
${latestLine(input)}
${warningsBlock(input.warnings ?? [])}
<p class="lead">Breadth-thrust signals over the equal-weight index of the symbol list, with a hold-N-days backtest against buy-and-hold.</p>
<dl class="facts">${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
</header>
<section id="verdict">
<h2>Did a breadth thrust fire?</h2>
${verdictSection(input)}
</section>
<section id="breadth">
<h2>Breadth</h2>
${breadthFigure}
</section>
${skippedSection(input.skippedSymbols ?? [])}
<section id="metrics">
<h2>Performance: strategy vs buy-and-hold</h2>
${metricsTable(input.backtests)}
</section>
<section id="forward-returns">
<h2>Forward returns of the index after each firing</h2>
${forwardReturnsTable(input.backtests)}
</section>
<section id="equity">
<h2>Equity and drawdown</h2>
${charts || '<p class="empty">No backtests in this run.</p>'}
</section>
<section id="firings">
<h2>Signal firings (${esc(input.events.length)})</h2>
${firingsTable(input.events)}
</section>
<section id="conventions">
<h2>Conventions</h2>
<ol class="conventions">${conventions.map((c) => `<li>${esc(c)}</li>`).join('')}</ol>
</section>
<footer>Generated by bf at ${esc(input.generatedAt)}${input.runId ? ` · run ${esc(input.runId)}` : ''} · engine ${esc(input.engine)} · source ${esc(input.source)}${input.synthetic ? ' · SYNTHETIC DATA' : ''}</footer>
</main>
</body>
</html>
`;
}

/** Renders every chart (equity per backtest, breadth) and then the page. */
export async function buildReportHtml(
  input: Omit<ReportHtmlInput, 'equitySvgs' | 'breadthSvg'> & { log?: Logger },
): Promise<{ html: string; equitySvgs: Record<string, string>; breadthSvg: string }> {
  const { log, ...page } = input;
  const equitySvgs: Record<string, string> = {};
  for (const bt of page.backtests) {
    equitySvgs[bt.signal] = await renderEquitySvg(bt, { synthetic: page.synthetic, log });
  }
  const breadthSvg = await renderBreadthSvg(page.breadth, {
    events: page.events,
    synthetic: page.synthetic,
    log,
  });
  return { html: renderReportHtml({ ...page, equitySvgs, breadthSvg }), equitySvgs, breadthSvg };
}
