import { randomUUID } from 'node:crypto';
import type { SignalBacktest } from '../domain/backtest.ts';
import type { DateRange } from '../domain/bar.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent, SignalName } from '../domain/signal.ts';
import { breadthCsv, forwardReturnsCsv, signalsCsv, tradesCsv } from '../report/csv.ts';
import type { RunFacts } from '../report/html.ts';
import { manifestDocument, markSvg, type RunIdentity } from '../report/manifest.ts';
import { runWarnings } from '../report/warnings.ts';
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
  /** Written last: the run and every file of the set with its SHA-256 (src/report/manifest.ts). */
  manifest: 'manifest.json',
} as const;

/** Every file name bf writes to `--out`: a run removes those of an earlier run that it does not rewrite. */
const ALL_OUTPUT_NAMES: readonly string[] = Object.values(OUTPUT_FILES);

/** What every output set names: the run's scope and lineage (metrics.json, report, manifest). */
export interface OutputFacts {
  /** `signals generate`, `backtest run`, `pipeline run`. */
  command: string;
  symbolList: string;
  source: string;
  synthetic: boolean;
  engine: string;
  skippedSymbols?: RunFacts['skippedSymbols'];
}

export type OutputSpec =
  | {
      kind: 'signals';
      facts: OutputFacts;
      range: DateRange;
      series: readonly BreadthSeriesRow[];
      events: readonly SignalEvent[];
    }
  | {
      kind: 'full';
      facts: OutputFacts;
      /** The run's date range (its flags), named in the title and metrics.json. */
      range: DateRange;
      series: readonly BreadthSeriesRow[];
      events: readonly SignalEvent[];
      backtests: readonly SignalBacktest[];
      /** The backtest drawn in equity.svg; default the first one (Zweig when all run). */
      primarySignal?: SignalName;
    };

/**
 * Renders and writes the output files as one set (see writeReportFiles): the files of an earlier run that this
 * one does not rewrite are removed, every file names this run (metrics.json and report.html by id and scope,
 * equity.svg by id, the CSVs through manifest.json's checksums). Returns file name → absolute path. `log` tells
 * when another run is writing the same directory.
 */
export async function writeOutputs(
  outDir: string,
  spec: OutputSpec,
  opts: { log?: Logger } = {},
): Promise<Record<string, string>> {
  const identity: RunIdentity = {
    runId: randomUUID(),
    command: spec.facts.command,
    symbolList: spec.facts.symbolList,
    range: spec.range,
    source: spec.facts.source,
    synthetic: spec.facts.synthetic,
    engine: spec.facts.engine,
    generatedAt: new Date().toISOString(),
  };
  const files: Record<string, string> = {
    [OUTPUT_FILES.breadth]: breadthCsv(spec.series),
    [OUTPUT_FILES.signals]: signalsCsv(spec.events),
  };
  if (spec.kind === 'full') {
    const { command: _c, ...facts } = spec.facts;
    const run: RunFacts = {
      ...facts,
      runId: identity.runId,
      title: `Breadth thrust report — ${describeScope(spec.facts.symbolList, spec.range)}`,
      generatedAt: identity.generatedAt,
      dateRange: spec.range,
      warnings: runWarnings({
        range: spec.range,
        tradingDays: spec.series.length,
        holdDays: spec.backtests[0]?.holdDays,
      }),
    };
    // Loaded here: the charts' vega modules cost `signals generate` (CSV files only) half a second to import.
    const { buildReportHtml } = await import('../report/html.ts');
    const { html, equitySvgs } = await buildReportHtml({
      ...run,
      breadth: spec.series,
      events: spec.events,
      backtests: spec.backtests,
    });
    const primary = spec.backtests.find((b) => b.signal === spec.primarySignal) ?? spec.backtests[0];
    files[OUTPUT_FILES.metrics] = metricsJson({
      ...run,
      tradingDays: spec.series.length,
      events: spec.events,
      backtests: spec.backtests,
    });
    files[OUTPUT_FILES.trades] = tradesCsv(spec.backtests);
    files[OUTPUT_FILES.forwardReturns] = forwardReturnsCsv(spec.backtests);
    if (primary) files[OUTPUT_FILES.equity] = markSvg(equitySvgs[primary.signal]!, identity.runId);
    files[OUTPUT_FILES.report] = html;
  }
  // The documented shapes (src/report/schemas.ts) are checked on the files every command writes by
  // test/e2e/run-outputs.test.ts, not here: importing zod alone costs a tenth of a nightly `signals generate`.
  files[OUTPUT_FILES.manifest] = `${JSON.stringify(manifestDocument(identity, files), null, 2)}\n`;
  const paths = await writeReportFiles(outDir, files, { logger: opts.log, replaces: ALL_OUTPUT_NAMES });
  return Object.fromEntries(Object.keys(files).map((name, i) => [name, paths[i]!]));
}
