import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { OUT_DIR_LOCK_FILE } from '../config/lake.ts';
import type { PerformanceMetrics, SignalBacktest } from '../domain/backtest.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { FileLock, isAlive } from '../lake/lock.ts';
import { BfError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';
import type { RunFacts } from './html.ts';

/**
 * Writes each `name → content` into `outDir` (created if missing) as one set: every file goes to a temp file in
 * the same directory first, then all are renamed into place while holding the directory's lock (`.bf-out.lock`,
 * src/lake/lock.ts), in the order given (so a manifest given last lands last), and then the files named in
 * `replaces` that this set does not hold are removed under the same hold: the directory ends with exactly this
 * run's set, never a file of an earlier run beside it. A reader never sees half a file, and when two runs write
 * the same directory at once, each file is whole and the set comes from one run (the one that renamed last).
 * Files bf does not write are left alone. Returns the absolute paths in the order given.
 */
export async function writeReportFiles(
  outDir: string,
  files: Record<string, string>,
  opts: { logger?: Logger; replaces?: readonly string[] } = {},
): Promise<string[]> {
  const dir = resolve(outDir);
  for (const name of Object.keys(files)) {
    if (name === '' || name === '.' || name === '..' || basename(name) !== name || name.includes('\\')) {
      throw new BfError(`report file name "${name}" is not a plain file name`, {
        hint: 'pass names like "report.html"; the output directory is given separately',
      });
    }
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new BfError(`cannot create output directory ${dir}`, {
      hint: 'choose an --out directory you can write to',
      cause,
    });
  }
  const run = randomBytes(4).toString('hex');
  const staged = Object.keys(files).map((name) => ({
    target: join(dir, name),
    temp: join(dir, `.${name}.${process.pid}.${run}.tmp`),
  }));
  const lock = new FileLock(join(dir, OUT_DIR_LOCK_FILE), {
    label: `the lock of output directory ${dir}`,
    logger: opts.logger,
  });
  try {
    await Promise.all(
      Object.values(files).map((content, i) =>
        writeFile(staged[i]!.temp, content, 'utf8').catch((cause) => {
          throw new BfError(`cannot write ${staged[i]!.target}`, {
            hint: 'check free space and permissions of the output directory',
            cause,
          });
        }),
      ),
    );
    await lock.exclusive(async () => {
      await removeDeadTemps(dir);
      for (const { temp, target } of staged) {
        await rename(temp, target).catch((cause) => {
          throw new BfError(`cannot write ${target}`, {
            hint: 'check free space and permissions of the output directory',
            cause,
          });
        });
      }
      const stale = (opts.replaces ?? []).filter((name) => !(name in files));
      await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));
    });
  } finally {
    lock.close();
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true })));
  }
  return staged.map(({ target }) => target);
}

/** Temp files of runs that were killed before renaming them (`.<name>.<pid>.<hex>.tmp` of a dead pid). */
async function removeDeadTemps(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    const m = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(entry);
    if (m && !isAlive(Number(m[1]))) await rm(join(dir, entry), { force: true });
  }
}

/** v2: `run.run_id`; counts of firings are `firing_count` (v1 had `events` and `firings` with one value). */
export const METRICS_SCHEMA = 'bf.metrics/v2';

/** Non-finite numbers are not JSON: they become null, like every other undefined metric. */
function num(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : value;
}

function performanceJson(m: PerformanceMetrics) {
  return {
    total_return: num(m.totalReturn),
    cagr: num(m.cagr),
    volatility: num(m.volatility),
    sharpe: num(m.sharpe),
    sortino: num(m.sortino),
    // Positive fraction below the running peak (0.23 = 23 % down), as src/backtest/metrics.ts defines it.
    max_drawdown: num(m.maxDrawdown),
    exposure: num(m.exposure),
    trades: m.trades,
  };
}

export interface MetricsInput extends RunFacts {
  /** Trading days in the breadth series. */
  tradingDays: number;
  events: readonly SignalEvent[];
  backtests: readonly SignalBacktest[];
}

/**
 * The metrics.json document. Keys are snake_case like the CSV columns and are built in a fixed order (objects
 * are written literally, signals in the order of `backtests`), so two runs diff cleanly.
 */
export function metricsDocument(input: MetricsInput) {
  const firingsBySignal = new Map<string, number>();
  for (const e of input.events) firingsBySignal.set(e.signal, (firingsBySignal.get(e.signal) ?? 0) + 1);
  return {
    schema: METRICS_SCHEMA,
    run: {
      run_id: input.runId ?? null,
      title: input.title,
      symbol_list: input.symbolList,
      source: input.source,
      synthetic: input.synthetic,
      engine: input.engine,
      generated_at: input.generatedAt,
      date_range: { start: input.dateRange.start, end: input.dateRange.end },
      trading_days: input.tradingDays,
      firing_count: input.events.length,
      skipped_symbols: (input.skippedSymbols ?? []).map((f) => ({ symbol: f.symbol, reason: f.reason })),
      warnings: [...(input.warnings ?? [])],
    },
    signals: Object.fromEntries(
      input.backtests.map((bt) => [
        bt.signal,
        {
          hold_days: bt.holdDays,
          firing_count: firingsBySignal.get(bt.signal) ?? bt.firings,
          trades: bt.trades.length,
          strategy: performanceJson(bt.strategy),
          buy_hold: performanceJson(bt.buyHold),
          forward_returns: bt.forwardReturns.map((f) => ({
            horizon: f.horizon,
            count: f.count,
            mean: num(f.mean),
            median: num(f.median),
            hit_rate: num(f.hitRate),
          })),
        },
      ]),
    ),
  };
}

export type MetricsDocument = ReturnType<typeof metricsDocument>;

/** `metricsDocument` as pretty-printed JSON with a trailing newline. */
export function metricsJson(input: MetricsInput): string {
  return `${JSON.stringify(metricsDocument(input), null, 2)}\n`;
}
