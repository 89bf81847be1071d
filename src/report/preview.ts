/**
 * Dev preview of every report output, from deterministic fixture breadth through the real signal and backtest
 * maths: `node src/report/preview.ts [outDir] [--real]` (default /tmp/bf-preview; --real drops the synthetic
 * flag to show the page without the banner). Prints the written paths.
 */
import { runAllBacktests } from '../backtest/backtest.ts';
import { deriveBreadthSeries } from '../signals/breadth-series.ts';
import { generateSignals } from '../signals/rules.ts';
import { breadthCsv, forwardReturnsCsv, signalsCsv, tradesCsv } from './csv.ts';
import { buildReportHtml } from './html.ts';
import { fixtureBreadthDays } from './test-fixtures.ts';
import { metricsJson, writeReportFiles } from './write-outputs.ts';

const args = process.argv.slice(2);
const outDir = args.find((a) => !a.startsWith('--')) ?? '/tmp/bf-preview';
const synthetic = !args.includes('--real');

const breadth = deriveBreadthSeries(fixtureBreadthDays(1260));
const events = generateSignals(breadth);
const backtests = runAllBacktests(breadth, events, { holdDays: 21 });
const facts = {
  title: 'Breadth thrust report: demo_small',
  symbolList: 'demo_small',
  source: synthetic ? 'sample' : 'csv:fixtures',
  synthetic,
  engine: 'duckdb',
  generatedAt: '2025-01-01T00:00:00Z',
  dateRange: { start: breadth[0]!.date, end: breadth.at(-1)!.date },
};
const { html, equitySvgs, breadthSvg } = await buildReportHtml({ ...facts, breadth, events, backtests });
const paths = await writeReportFiles(outDir, {
  'breadth.csv': breadthCsv(breadth),
  'signals.csv': signalsCsv(events),
  'trades.csv': tradesCsv(backtests),
  'forward_returns.csv': forwardReturnsCsv(backtests),
  'metrics.json': metricsJson({ ...facts, tradingDays: breadth.length, events, backtests }),
  'breadth.svg': breadthSvg,
  ...Object.fromEntries(Object.entries(equitySvgs).map(([signal, svg]) => [`equity-${signal}.svg`, svg])),
  'report.html': html,
});
process.stdout.write(`${paths.join('\n')}\n`);
