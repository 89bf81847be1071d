import { describe, expect, it } from 'vitest';
import { renderBreadthSvg } from './breadth-chart.ts';
import { renderEquitySvg } from './equity-chart.ts';
import {
  buildReportHtml,
  escapeHtml,
  formatPercent,
  formatRatio,
  namespaceSvgIds,
  type ReportHtmlInput,
  renderReportHtml,
} from './html.ts';
import { assertWellFormedXml, fixtureBacktest, fixtureBreadth, fixtureEvents } from './test-fixtures.ts';

const HTML_VOIDS = ['meta', 'link', 'br', 'hr', 'img', 'input'];

function baseInput(overrides: Partial<ReportHtmlInput> = {}): ReportHtmlInput {
  const backtests = [
    fixtureBacktest('zweig_breadth_thrust', { n: 260, entries: [20, 140] }),
    fixtureBacktest('whaley_breadth_thrust', { n: 260, entries: [] }),
  ];
  const breadth = fixtureBreadth(260);
  return {
    title: 'Run <one> & "two"',
    symbolList: 'demo_small',
    source: 'sample',
    synthetic: true,
    engine: 'duckdb',
    generatedAt: '2025-01-01T00:00:00Z',
    dateRange: { start: breadth[0]!.date, end: breadth.at(-1)!.date },
    breadth,
    events: fixtureEvents(backtests),
    backtests,
    equitySvgs: {},
    ...overrides,
  };
}

describe('formatting helpers', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('formats percentages and ratios with a true minus and a dash for undefined', () => {
    expect(formatPercent(0.0412, { sign: true })).toBe('+4.1%');
    expect(formatPercent(-0.2346)).toBe('\u221223.5%');
    expect(formatPercent(null)).toBe('\u2014');
    expect(formatRatio(-0.5)).toBe('\u22120.50');
    expect(formatRatio(Number.NaN)).toBe('\u2014');
  });
  it('prefixes SVG ids and their references, leaving unknown references alone', () => {
    const svg =
      '<svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#clip1"/><g fill="url(#other)"/></svg>';
    expect(namespaceSvgIds(svg, 'eq')).toBe(
      '<svg><clipPath id="eq-clip1"/><g clip-path="url(#eq-clip1)"/><use href="#eq-clip1"/><g fill="url(#other)"/></svg>',
    );
  });
});

describe('renderReportHtml', () => {
  it('is well-formed, self-contained and escapes the run facts', () => {
    const html = renderReportHtml(baseInput());
    assertWellFormedXml(html, { voidElements: HTML_VOIDS });
    expect(html).toContain('<title>[SYNTHETIC] Run &lt;one&gt; &amp; &quot;two&quot;</title>');
    expect(html).not.toContain('Run <one>');
    expect(html).not.toMatch(/<script|<link|\ssrc=/i);
    // The only URLs are the XML namespaces inside inline SVGs (none here) and none load anything.
    expect(html.match(/https?:\/\/[^\s"')]+/g) ?? []).toEqual([]);
  });

  it('shows the synthetic banner only for synthetic data', () => {
    expect(renderReportHtml(baseInput())).toContain('class="banner"');
    const real = renderReportHtml(baseInput({ synthetic: false, source: 'yahoo' }));
    expect(real).not.toContain('class="banner"');
    expect(real).not.toContain('SYNTHETIC');
  });

  it('has one metrics row pair per signal with the figures formatted', () => {
    const input = baseInput();
    const html = renderReportHtml(input);
    const metrics = html.slice(
      html.indexOf('<table class="metrics">'),
      html.indexOf('</table>', html.indexOf('<table class="metrics">')),
    );
    expect(metrics.match(/<th scope="row">Strategy<\/th>/g)).toHaveLength(2);
    expect(metrics.match(/<th scope="row">Buy &amp; hold<\/th>/g)).toHaveLength(2);
    const zweig = input.backtests[0]!;
    expect(metrics).toContain(`<td class="num">${formatPercent(zweig.strategy.cagr, { sign: true })}</td>`);
    // Drawdowns arrive positive and are shown as losses.
    expect(metrics).toContain(`<td class="num">${formatPercent(-zweig.buyHold.maxDrawdown)}</td>`);
    // Buy-and-hold Sortino is null in the fixture: a dash, not "null" or "NaN".
    expect(metrics).not.toMatch(/null|NaN|undefined/);
  });

  it('lists forward returns at every horizon and every firing', () => {
    const input = baseInput();
    const html = renderReportHtml(input);
    for (const h of [5, 21, 63, 126, 252]) expect(html).toContain(`<th scope="col">${h}d</th>`);
    const firings = html.slice(html.indexOf('<table class="firings">'));
    expect(firings.match(/<tr><td>\d{4}-\d\d-\d\d<\/td>/g)).toHaveLength(input.events.length);
    expect(html).toContain(`Signal firings (${input.events.length})`);
  });

  it('states the rule thresholds in the conventions section', () => {
    const html = renderReportHtml(baseInput());
    const conventions = html.slice(html.indexOf('id="conventions"'));
    for (const text of ['0.615', '0.4', '1.97', '0.7366', 'alpha 2/11', '√252'])
      expect(conventions).toContain(text);
  });

  it('says so when there are no firings and no charts', () => {
    const html = renderReportHtml(baseInput({ events: [], backtests: [] }));
    expect(html).toContain('No signal fired in this date range.');
    expect(html).toContain('Breadth chart was not rendered.');
  });
});

describe('buildReportHtml', () => {
  it('inlines one equity chart per backtest and the breadth chart', async () => {
    const input = baseInput();
    const { html, equitySvgs, breadthSvg } = await buildReportHtml(input);
    expect(Object.keys(equitySvgs)).toEqual(['zweig_breadth_thrust', 'whaley_breadth_thrust']);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain(breadthSvg.slice(0, 200));
    assertWellFormedXml(html, { voidElements: HTML_VOIDS });
    // Namespaces are the only URLs an inline SVG carries.
    const urls = new Set(html.match(/https?:\/\/[^\s"')]+/g));
    expect([...urls].sort()).toEqual(['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
  });

  it('keeps ids unique when several charts are inlined', async () => {
    const svgs = await Promise.all([
      renderEquitySvg(fixtureBacktest('zweig_breadth_thrust', { n: 60, entries: [5] })),
      renderBreadthSvg(fixtureBreadth(60)),
    ]);
    const html = renderReportHtml(
      baseInput({ equitySvgs: { zweig_breadth_thrust: svgs[0]! }, breadthSvg: svgs[1]! }),
    );
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
