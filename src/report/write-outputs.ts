import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { PerformanceMetrics, SignalBacktest } from '../domain/backtest.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { BfError } from '../util/errors.ts';
import type { RunFacts } from './html.ts';

/**
 * Writes each `name → content` into `outDir` (created if missing) atomically: a temp file in the same directory,
 * then rename, so a reader never sees half a file. Returns the absolute paths in the order given.
 */
export async function writeReportFiles(outDir: string, files: Record<string, string>): Promise<string[]> {
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
  return Promise.all(
    Object.entries(files).map(async ([name, content]) => {
      const target = join(dir, name);
      const temp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await writeFile(temp, content, 'utf8');
        await rename(temp, target);
      } catch (cause) {
        await rm(temp, { force: true });
        throw new BfError(`cannot write ${target}`, {
          hint: 'check free space and permissions of the output directory',
          cause,
        });
      }
      return target;
    }),
  );
}

export const METRICS_SCHEMA = 'bf.metrics/v1';

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
      title: input.title,
      symbol_list: input.symbolList,
      source: input.source,
      synthetic: input.synthetic,
      engine: input.engine,
      generated_at: input.generatedAt,
      date_range: { start: input.dateRange.start, end: input.dateRange.end },
      trading_days: input.tradingDays,
      events: input.events.length,
    },
    signals: Object.fromEntries(
      input.backtests.map((bt) => [
        bt.signal,
        {
          hold_days: bt.holdDays,
          firings: bt.firings,
          events: firingsBySignal.get(bt.signal) ?? 0,
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
