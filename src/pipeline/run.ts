import { ALL_DATES, type DateRange } from '../domain/bar.ts';
import { stackServiceLogs } from '../infra/service-logs.ts';
import { backtestStage, backtestTables } from './backtest-stage.ts';
import { writeOutputs } from './outputs.ts';
import { publishStage } from './publish-stage.ts';
import { fetchStage, openWorkspace, signalsStage, signalTables } from './stages.ts';
import type { PipelineOptions, PipelineResult, StageTiming } from './types.ts';

/** Times one stage, logs its duration, and records it. */
export async function timed<T>(
  timings: StageTiming[],
  stage: StageTiming['stage'],
  log: PipelineOptions['log'],
  work: () => Promise<T>,
): Promise<T> {
  const t0 = performance.now();
  const result = await work();
  const ms = Math.round(performance.now() - t0);
  timings.push({ stage, ms });
  log.info(`stage ${stage}: ${(ms / 1000).toFixed(2)} s`);
  return result;
}

/**
 * `bf pipeline run`: fetch → breadth (engine) → signals → backtest → output files, in one workspace. A failure of a
 * run that used the stack (Spark engine or --publish) names the Docker daemon when it went down or restarted.
 */
export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const startedAt = Date.now();
  try {
    return await runStages(opts);
  } catch (e) {
    if (!(opts.engine === 'spark' || opts.publish)) throw e;
    const { withDaemonFault } = await import('../infra/daemon.ts');
    throw await withDaemonFault(e, startedAt, { env: opts.stack?.env });
  }
}

async function runStages(opts: PipelineOptions): Promise<PipelineResult> {
  const timings: StageTiming[] = [];
  const log = opts.log;
  const stage = <T>(name: StageTiming['stage'], work: () => Promise<T>): Promise<T> => {
    opts.onStage?.(name);
    return timed(timings, name, log, work);
  };
  const ws = await openWorkspace(opts.workdir, log, opts.engine, opts.stack);
  try {
    const fetched = await stage('fetch', () => fetchStage(ws, opts));
    // One unit against other runs on the lake: every derived table this run stores comes from its own breadth.
    const { sig, backtests } = await ws.exclusive(async () => {
      const sig = await stage('signals', () =>
        signalsStage(ws, {
          symbolList: opts.symbolList,
          ...runBounds(fetched.range, fetched.span),
          signals: opts.signals,
          log,
          persist: false,
          minSymbols: opts.minSymbols,
          fetchFailures: fetched.failures,
          full: opts.full,
        }),
      );
      const backtests = await stage('backtest', () =>
        backtestStage(ws, sig, { holdDays: opts.holdDays, signals: opts.signals, log, persist: false }),
      );
      // Every derived table in one write: on Spark that is one job (one JVM start) instead of one per stage.
      await stage('store', () =>
        ws.engine.writeTables([...signalTables(sig), ...backtestTables(backtests, sig)]),
      );
      return { sig, backtests };
    });
    const published =
      (opts.publish ?? opts.engine === 'spark')
        ? await stage('publish', () =>
            publishStage(
              {
                events: sig.events,
                series: sig.series,
                symbolList: fetched.symbolList.name,
                synthetic: sig.synthetic,
                engine: opts.engine,
                source: sig.source,
              },
              {
                env: opts.stack?.env,
                log,
                serviceLogs: opts.stack ? stackServiceLogs(opts.stack) : undefined,
              },
            ),
          )
        : undefined;
    const outputs = opts.outDir
      ? await stage('report', () =>
          writeOutputs(
            opts.outDir!,
            {
              kind: 'full',
              facts: {
                command: 'pipeline run',
                symbolList: fetched.symbolList.name,
                source: sig.source,
                synthetic: sig.synthetic,
                engine: opts.engine,
                skippedSymbols: sig.skipped,
              },
              range: sig.range,
              series: sig.series,
              events: sig.events,
              backtests,
              primarySignal: opts.signals?.[0],
            },
            { log },
          ),
        )
      : {};
    return {
      symbolList: fetched.symbolList,
      range: sig.range,
      source: sig.source,
      synthetic: sig.synthetic,
      engine: opts.engine,
      bars: fetched.bars,
      failures: fetched.failures,
      skipped: sig.skipped,
      breadthDays: sig.series.length,
      series: sig.series,
      events: sig.events,
      backtests,
      outputs,
      published,
      timings,
    };
  } finally {
    await ws.close();
  }
}

/**
 * The bounds the later stages of a run use: the fetch's range; where a bound was left open (csv:DIR's default,
 * everything in the files) the first/last bar the fetch delivered, so the run covers what a fresh workdir would.
 */
function runBounds(range: DateRange, span: DateRange | null): { start?: string; end?: string } {
  return {
    start: range.start === ALL_DATES.start ? span?.start : range.start,
    end: range.end === ALL_DATES.end ? span?.end : range.end,
  };
}
