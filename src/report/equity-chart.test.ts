import { describe, expect, it } from 'vitest';
import { EQUITY_MARKS, renderEquitySvg } from './equity-chart.ts';
import { assertWellFormedXml, fixtureBacktest, markGroup } from './test-fixtures.ts';

const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;

describe('renderEquitySvg', () => {
  const bt = fixtureBacktest('zweig_breadth_thrust', { n: 400, entries: [30, 120, 250, 330], holdDays: 21 });

  it('renders well-formed SVG with both equity curves and both drawdown series', async () => {
    const svg = await renderEquitySvg(bt);
    expect(svg.startsWith('<svg')).toBe(true);
    assertWellFormedXml(svg);
    const curves = markGroup(svg, EQUITY_MARKS.curves);
    expect(curves).toContain('Strategy (hold 21d');
    // One path per series, each with one vertex per day.
    expect(count(curves, /<path /g)).toBe(2);
    for (const d of curves.matchAll(/ d="([^"]+)"/g)) expect(count(d[1]!, /[ML]/g)).toBe(400);
    expect(count(markGroup(svg, EQUITY_MARKS.strategyDrawdown), /<path /g)).toBe(1);
    expect(count(markGroup(svg, EQUITY_MARKS.buyHoldDrawdown), /<path /g)).toBe(1);
    expect(svg).toContain('Buy &amp; hold');
  });

  it('draws one entry marker and one entry rule per trade, labelled with the trade', async () => {
    const svg = await renderEquitySvg(bt);
    const markers = markGroup(svg, EQUITY_MARKS.entryMarkers);
    expect(count(markers, /<path /g)).toBe(bt.trades.length);
    expect(count(markGroup(svg, EQUITY_MARKS.entryRules), /<line /g)).toBe(bt.trades.length);
    for (const t of bt.trades) expect(markers).toContain(`Entry ${t.entryDate} → exit ${t.exitDate}`);
  });

  it('renders a chart with no trades and no markers', async () => {
    const none = fixtureBacktest('deemer_breadth_thrust', { n: 50, entries: [] });
    const svg = await renderEquitySvg(none);
    assertWellFormedXml(svg);
    expect(count(markGroup(svg, EQUITY_MARKS.entryMarkers), /<path /g)).toBe(0);
    expect(count(markGroup(svg, EQUITY_MARKS.curves), /<path /g)).toBe(2);
  });

  it('says SYNTHETIC DATA in the title only when synthetic', async () => {
    expect(await renderEquitySvg(bt, { synthetic: true })).toContain('SYNTHETIC DATA');
    expect(await renderEquitySvg(bt, { title: 'Custom <title>' })).not.toContain('SYNTHETIC');
    expect(await renderEquitySvg(bt, { title: 'Custom <title>' })).toContain('Custom &lt;title&gt;');
  });

  it('places each entry marker on the strategy curve vertex of its entry date', async () => {
    const svg = await renderEquitySvg(bt);
    const markers = [
      ...markGroup(svg, EQUITY_MARKS.entryMarkers).matchAll(/translate\(([-\d.]+),([-\d.]+)\)/g),
    ];
    const strategyPath = markGroup(svg, EQUITY_MARKS.curves).match(/ d="([^"]+)"/)![1]!;
    const vertices = strategyPath
      .split(/[ML]/)
      .filter(Boolean)
      .map((v) => v.split(',').map(Number));
    expect(markers).toHaveLength(bt.trades.length);
    bt.trades.forEach((trade, k) => {
      const day = bt.equity.findIndex((p) => p.date === trade.entryDate);
      expect(Number(markers[k]![1])).toBeCloseTo(vertices[day]![0]!, 1);
      expect(Number(markers[k]![2])).toBeCloseTo(vertices[day]![1]!, 1);
    });
  });
});

describe('chart warnings', () => {
  it('go to the given Logger, not the console', async () => {
    const { renderVegaLiteSvg } = await import('./vega-render.ts');
    const warnings: string[] = [];
    const log = {
      info() {},
      progress() {},
      error: (m: string) => warnings.push(m),
      warn: (m: string) => warnings.push(m),
    };
    // zero on a log scale is a spec mistake Vega-Lite warns about and ignores.
    await renderVegaLiteSvg(
      {
        data: { values: [{ a: 1 }, { a: 10 }] },
        mark: 'point',
        encoding: { x: { field: 'a', type: 'quantitative', scale: { type: 'log', zero: true } } },
      },
      log,
    );
    expect(warnings.join('\n')).toMatch(/^chart: .*zero/);
  });
});
