// The report modules fed by the real breadth, signal and backtest maths (no fakes): checks that the
// outputs agree with each other and with the contracts they were built from.
import { describe, expect, it } from 'vitest';
import { runAllBacktests } from '../backtest/backtest.ts';
import { deriveBreadthSeries } from '../signals/breadth-series.ts';
import { generateSignals } from '../signals/rules.ts';
import { breadthCsv, forwardReturnsCsv, signalsCsv, tradesCsv } from './csv.ts';
import { EQUITY_MARKS } from './equity-chart.ts';
import { buildReportHtml } from './html.ts';
import { fixtureBreadthDays, markGroup } from './test-fixtures.ts';
import { metricsDocument } from './write-outputs.ts';

describe('report outputs from the real maths', async () => {
  const breadth = deriveBreadthSeries(fixtureBreadthDays(700));
  const events = generateSignals(breadth);
  const backtests = runAllBacktests(breadth, events, { holdDays: 21 });
  const facts = {
    title: 'cross-module',
    symbolList: 'demo_small',
    source: 'sample',
    synthetic: true,
    engine: 'duckdb',
    generatedAt: '2025-01-01T00:00:00Z',
    dateRange: { start: breadth[0]!.date, end: breadth.at(-1)!.date },
  };
  const { html, equitySvgs } = await buildReportHtml({ ...facts, breadth, events, backtests });

  it('has firings of every signal in the fixture (else the rest proves little)', () => {
    expect(new Set(events.map((e) => e.signal))).toEqual(
      new Set(['zweig_breadth_thrust', 'deemer_breadth_thrust', 'whaley_breadth_thrust']),
    );
  });

  it('writes one CSV line per row, event, trade and horizon', () => {
    const lines = (text: string) => text.trimEnd().split('\n').length - 1;
    expect(lines(breadthCsv(breadth))).toBe(breadth.length);
    expect(lines(signalsCsv(events))).toBe(events.length);
    expect(lines(tradesCsv(backtests))).toBe(backtests.reduce((n, b) => n + b.trades.length, 0));
    expect(lines(forwardReturnsCsv(backtests))).toBe(backtests.length * 5);
  });

  it('draws one entry marker per trade in each equity chart', () => {
    for (const bt of backtests) {
      const markers = markGroup(equitySvgs[bt.signal]!, EQUITY_MARKS.entryMarkers);
      expect([...markers.matchAll(/<path /g)]).toHaveLength(bt.trades.length);
    }
  });

  it('shows drawdowns (positive in the maths) as losses in the page and as-is in metrics.json', () => {
    const bt = backtests.find((b) => b.strategy.maxDrawdown > 0)!;
    expect(html).toContain(`\u2212${(bt.strategy.maxDrawdown * 100).toFixed(1)}%`);
    const doc = metricsDocument({ ...facts, tradingDays: breadth.length, events, backtests });
    expect(doc.signals[bt.signal]!.strategy.max_drawdown).toBe(bt.strategy.maxDrawdown);
  });
});
