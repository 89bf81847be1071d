import type { SignalBacktest } from '../domain/backtest.ts';
import type { DateRange } from '../domain/bar.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent, SignalName } from '../domain/signal.ts';
import { breadthCsv, forwardReturnsCsv, signalsCsv, tradesCsv } from '../report/csv.ts';
import type { RunFacts } from '../report/html.ts';
import { metricsJson, writeReportFiles } from '../report/write-outputs.ts';
import type { Logger } from '../util/log.ts';
import { describeScope } from './scope.ts';

/** The files a person opens, by name. One list, so the CLI, the Action's artifact upload and the docs agree. */
export const OUTPUT_FILES = {
  breadth: 'breadth.csv',
  signals: 'signals.csv',
  metrics: 'metrics.json',
  trades: 'trades.csv',
  forwardReturns: 'forward_returns.csv',
  equity: 'equity.svg',
  report: 'report.html',
} as const;

export type OutputSpec =
  | { kind: 'signals'; series: readonly BreadthSeriesRow[]; events: readonly SignalEvent[] }
  | {
      kind: 'full';
      facts: Pick<RunFacts, 'symbolList' | 'source' | 'synthetic' | 'engine' | 'skippedSymbols'>;
      /** The run's date range (its flags), named in the title and metrics.json. */
      range: DateRange;
      series: readonly BreadthSeriesRow[];
      events: readonly SignalEvent[];
      backtests: readonly SignalBacktest[];
      /** The backtest drawn in equity.svg; default the first one (Zweig when all run). */
      primarySignal?: SignalName;
    };

/**
 * Renders and writes the output files atomically, as one set (see writeReportFiles); returns file name → absolute
 * path. `log` tells when another run is writing the same directory.
 */
export async function writeOutputs(
  outDir: string,
  spec: OutputSpec,
  opts: { log?: Logger } = {},
): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    [OUTPUT_FILES.breadth]: breadthCsv(spec.series),
    [OUTPUT_FILES.signals]: signalsCsv(spec.events),
  };
  if (spec.kind === 'full') {
    const facts: RunFacts = {
      ...spec.facts,
      title: `Breadth thrust report — ${describeScope(spec.facts.symbolList, spec.range)}`,
      generatedAt: new Date().toISOString(),
      dateRange: spec.range,
    };
    // Loaded here: the charts' vega modules cost `signals generate` (CSV files only) half a second to import.
    const { buildReportHtml } = await import('../report/html.ts');
    const { html, equitySvgs } = await buildReportHtml({
      ...facts,
      breadth: spec.series,
      events: spec.events,
      backtests: spec.backtests,
    });
    const primary = spec.backtests.find((b) => b.signal === spec.primarySignal) ?? spec.backtests[0];
    files[OUTPUT_FILES.metrics] = metricsJson({
      ...facts,
      tradingDays: spec.series.length,
      events: spec.events,
      backtests: spec.backtests,
    });
    files[OUTPUT_FILES.trades] = tradesCsv(spec.backtests);
    files[OUTPUT_FILES.forwardReturns] = forwardReturnsCsv(spec.backtests);
    if (primary) files[OUTPUT_FILES.equity] = equitySvgs[primary.signal]!;
    files[OUTPUT_FILES.report] = html;
  }
  const paths = await writeReportFiles(outDir, files, { logger: opts.log });
  return Object.fromEntries(Object.keys(files).map((name, i) => [name, paths[i]!]));
}
