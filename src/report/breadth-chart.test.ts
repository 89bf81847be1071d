import { describe, expect, it } from 'vitest';
import { ZWEIG } from '../signals/rules.ts';
import { BREADTH_MARKS, renderBreadthSvg } from './breadth-chart.ts';
import { assertWellFormedXml, fixtureBreadth, markGroup } from './test-fixtures.ts';

const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;

describe('renderBreadthSvg', () => {
  const rows = fixtureBreadth(200);

  it('draws the ratio, the EMA and both Zweig threshold lines', async () => {
    const svg = await renderBreadthSvg(rows);
    assertWellFormedXml(svg);
    expect(count(markGroup(svg, BREADTH_MARKS.ratio), /<path /g)).toBe(1);
    expect(count(markGroup(svg, BREADTH_MARKS.ema), /<path /g)).toBe(1);
    expect(count(markGroup(svg, BREADTH_MARKS.thresholdLines), /<line /g)).toBe(2);
    const labels = markGroup(svg, BREADTH_MARKS.thresholdLabels);
    expect(labels).toContain(`${ZWEIG.thrustAbove} thrust`);
    expect(labels).toContain('0.40 oversold');
  });

  it('marks only Zweig firings, on the EMA of their date', async () => {
    const zweigDay = rows[120]!;
    const svg = await renderBreadthSvg(rows, {
      events: [
        { date: zweigDay.date, signal: 'zweig_breadth_thrust', value: zweigDay.zweigEma! },
        { date: rows[60]!.date, signal: 'deemer_breadth_thrust', value: 2.1 },
      ],
    });
    const firings = markGroup(svg, BREADTH_MARKS.firings);
    expect(count(firings, /<path /g)).toBe(1);
    expect(firings).toContain(`Zweig firing ${zweigDay.date}`);
    const [, x, y] = firings.match(/translate\(([-\d.]+),([-\d.]+)\)/)!;
    const emaPath = markGroup(svg, BREADTH_MARKS.ema).match(/ d="([^"]+)"/)![1]!;
    const vertex = emaPath.split(/[ML]/).filter(Boolean)[120]!.split(',').map(Number);
    expect(Number(x)).toBeCloseTo(vertex[0]!, 1);
    expect(Number(y)).toBeCloseTo(vertex[1]!, 1);
  });

  it('marks every signal’s firings in a strip under the chart, one tick each', async () => {
    const events = [
      { date: rows[120]!.date, signal: 'zweig_breadth_thrust', value: rows[120]!.zweigEma! },
      { date: rows[60]!.date, signal: 'deemer_breadth_thrust', value: 2.1 },
      { date: rows[90]!.date, signal: 'whaley_breadth_thrust', value: 0.8 },
    ] as const;
    const svg = await renderBreadthSvg(rows, { events });
    const strip = markGroup(svg, BREADTH_MARKS.signalFirings);
    expect(count(strip, /<path /g)).toBe(3);
    for (const e of events) expect(strip).toContain(`${e.signal} ${e.date}`);
  });

  it('stays legible at 20 years: wider, with the last two years drawn again on their own', async () => {
    const long = fixtureBreadth(252 * 20);
    const svg = await renderBreadthSvg(long);
    assertWellFormedXml(svg);
    const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]);
    expect(width).toBeGreaterThanOrEqual(1200);
    expect(count(markGroup(svg, BREADTH_MARKS.recentEma), /<path /g)).toBe(1);
    expect(count(markGroup(svg, BREADTH_MARKS.recentRatio), /<path /g)).toBe(1);
    const short = await renderBreadthSvg(rows);
    expect(short).not.toContain(BREADTH_MARKS.recentEma);
  });
});
