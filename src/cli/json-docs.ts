import type { SignalBacktest } from '../domain/backtest.ts';
import type { SignalEvent } from '../domain/signal.ts';
import type { FetchSummary, SignalsSummary } from '../pipeline/stages.ts';
import type { PipelineResult } from '../pipeline/types.ts';
import { backtestShape, fetchShape, JSON_SCHEMAS, pipelineShape, signalsShape } from '../report/schemas.ts';

/**
 * The `--json` documents of `data fetch`, `signals generate`, `backtest run` and `pipeline run`, in the shapes
 * src/report/schemas.ts defines (and checks here, so a drift is caught as a bug, not shipped).
 */

type Scope = Pick<SignalsSummary, 'symbolList' | 'range' | 'source' | 'synthetic'>;

function scope(s: Scope) {
  return {
    symbol_list: { name: s.symbolList.name, symbols: s.symbolList.symbols },
    range: { start: s.range.start, end: s.range.end },
    source: s.source,
    synthetic: s.synthetic,
  };
}

const firings = (events: readonly SignalEvent[]) =>
  events.map((e) => ({ date: e.date, signal: e.signal, value: e.value }));

const failures = (list: readonly { symbol: string; reason: string }[]) =>
  list.map((f) => ({ symbol: f.symbol, reason: f.reason }));

const performance = (m: SignalBacktest['strategy']) => ({
  total_return: m.totalReturn,
  cagr: m.cagr,
  volatility: m.volatility,
  sharpe: m.sharpe,
  sortino: m.sortino,
  max_drawdown: m.maxDrawdown,
  exposure: m.exposure,
  trades: m.trades,
});

/** Non-finite numbers are not JSON: null, as in metrics.json. */
function finite<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  );
}

function backtests(list: readonly SignalBacktest[]) {
  return list.map((b) => ({
    signal: b.signal,
    hold_days: b.holdDays,
    firing_count: b.firings,
    trades: b.trades.map((t) => ({
      signal: t.signal,
      entry_date: t.entryDate,
      exit_date: t.exitDate,
      days: t.days,
      return: t.return,
    })),
    forward_returns: b.forwardReturns.map((f) => ({
      signal: f.signal,
      horizon: f.horizon,
      count: f.count,
      mean: f.mean,
      median: f.median,
      hit_rate: f.hitRate,
    })),
    strategy: performance(b.strategy),
    buy_hold: performance(b.buyHold),
  }));
}

export function fetchDoc(r: FetchSummary) {
  return fetchShape.parse(
    finite({
      schema: JSON_SCHEMAS.fetch,
      ...scope(r),
      span: r.span,
      bars: r.bars,
      failures: failures(r.failures),
      skipped_rows: r.skippedRows,
      bad_rows: r.badRows,
      replaced: r.replaced,
      vanished: r.vanished,
      dropped: r.dropped,
    }),
  );
}

export function signalsDoc(r: SignalsSummary, outputs: Record<string, string>) {
  return signalsShape.parse(
    finite({
      schema: JSON_SCHEMAS.signals,
      ...scope(r),
      signals: r.signals,
      trading_days: r.series.length,
      skipped_symbols: failures(r.skipped),
      firings: firings(r.events),
      outputs,
    }),
  );
}

export function backtestDoc(
  r: Omit<SignalsSummary, 'skipped'>,
  list: readonly SignalBacktest[],
  outputs: Record<string, string>,
) {
  return backtestShape.parse(
    finite({
      schema: JSON_SCHEMAS.backtest,
      ...scope(r),
      signals: r.signals,
      trading_days: r.series.length,
      firings: firings(r.events),
      backtests: backtests(list),
      outputs,
    }),
  );
}

export function pipelineDoc(r: PipelineResult) {
  return pipelineShape.parse(
    finite({
      schema: JSON_SCHEMAS.pipeline,
      ...scope(r),
      engine: r.engine,
      bars: r.bars,
      failures: failures(r.failures),
      skipped_symbols: failures(r.skipped),
      trading_days: r.breadthDays,
      firings: firings(r.events),
      backtests: backtests(r.backtests),
      outputs: r.outputs,
      ...(r.published
        ? {
            published: {
              signals: r.published.signals,
              breadth: r.published.breadth,
              retracted: r.published.retracted,
              es_documents: r.published.esDocuments,
              index: r.published.index,
            },
          }
        : {}),
      timings: r.timings.map((t) => ({ stage: t.stage, ms: t.ms })),
    }),
  );
}
