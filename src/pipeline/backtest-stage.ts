import { runAllBacktests } from '../backtest/backtest.ts';
import type { SignalBacktest } from '../domain/backtest.ts';
import type { DateRange } from '../domain/bar.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent, SignalName } from '../domain/signal.ts';
import type { ColumnSpec, TableWrite } from '../engines/engine.ts';
import { TABLE } from '../lake/index.ts';
import { runWarnings } from '../report/warnings.ts';
import type { Logger } from '../util/log.ts';
import { toLakeRow } from './lake-rows.ts';
import type { Workspace } from './stages.ts';

const TRADES_SCHEMA: readonly ColumnSpec[] = [
  { name: 'signal', type: 'VARCHAR' },
  { name: 'entry_date', type: 'DATE' },
  { name: 'exit_date', type: 'DATE' },
  { name: 'days', type: 'BIGINT' },
  { name: 'return', type: 'DOUBLE' },
];
const FORWARD_SCHEMA: readonly ColumnSpec[] = [
  { name: 'signal', type: 'VARCHAR' },
  { name: 'horizon', type: 'BIGINT' },
  { name: 'count', type: 'BIGINT' },
  { name: 'mean', type: 'DOUBLE' },
  { name: 'median', type: 'DOUBLE' },
  { name: 'hit_rate', type: 'DOUBLE' },
];
const METRIC_NAMES = [
  'cagr',
  'volatility',
  'sharpe',
  'sortino',
  'maxDrawdown',
  'exposure',
  'trades',
  'totalReturn',
] as const;
const SUMMARY_SCHEMA: readonly ColumnSpec[] = [
  { name: 'signal', type: 'VARCHAR' },
  { name: 'portfolio', type: 'VARCHAR' },
  { name: 'hold_days', type: 'BIGINT' },
  { name: 'firings', type: 'BIGINT' },
  ...METRIC_NAMES.map(
    (m): ColumnSpec => ({ name: m.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), type: 'DOUBLE' }),
  ),
];
const EQUITY_SCHEMA: readonly ColumnSpec[] = [
  { name: 'signal', type: 'VARCHAR' },
  { name: 'date', type: 'DATE' },
  { name: 'strategy', type: 'DOUBLE' },
  { name: 'buy_hold', type: 'DOUBLE' },
  { name: 'strategy_drawdown', type: 'DOUBLE' },
  { name: 'buy_hold_drawdown', type: 'DOUBLE' },
];

/** Backtests every signal over the equal-weight index and stores the results as lake tables. */
export async function backtestStage(
  ws: Workspace,
  input: {
    series: BreadthSeriesRow[];
    events: SignalEvent[];
    synthetic: boolean;
    source: string;
    range?: DateRange;
  },
  opts: { holdDays?: number; signals?: SignalName[]; log: Logger; persist?: boolean },
): Promise<SignalBacktest[]> {
  const all = runAllBacktests(input.series, input.events, { holdDays: opts.holdDays });
  const backtests = opts.signals ? all.filter((b) => opts.signals!.includes(b.signal)) : all;
  if (opts.persist ?? true) await ws.engine.writeTables(backtestTables(backtests, input));
  for (const b of backtests) {
    opts.log.info(
      `backtest ${b.signal}: ${b.firings} firing(s), ${b.trades.length} trade(s), hold ${b.holdDays}d, strategy CAGR ${fmtPct(b.strategy.cagr)} vs buy-and-hold ${fmtPct(b.buyHold.cagr)}`,
    );
  }
  const range = input.range ?? {
    start: input.series[0]?.date ?? '',
    end: input.series.at(-1)?.date ?? '',
  };
  const holdDays = backtests[0]?.holdDays;
  for (const w of runWarnings({ range, tradingDays: input.series.length, holdDays })) opts.log.warn(w);
  return backtests;
}

const fmtPct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

/** The lake tables of a backtest run: trades, forward returns, per-portfolio metrics and equity curves. */
export function backtestTables(
  backtests: readonly SignalBacktest[],
  input: { synthetic: boolean; source: string },
): TableWrite[] {
  const lineage = { source: input.source, synthetic: input.synthetic };
  return [
    {
      table: TABLE.backtestTrades,
      rows: backtests.flatMap((b) => b.trades).map(toLakeRow),
      columns: TRADES_SCHEMA,
      meta: lineage,
    },
    {
      table: TABLE.backtestForwardReturns,
      rows: backtests.flatMap((b) => b.forwardReturns).map(toLakeRow),
      columns: FORWARD_SCHEMA,
      meta: lineage,
    },
    {
      table: TABLE.backtestSummary,
      rows: backtests.flatMap((b) =>
        (['strategy', 'buyHold'] as const).map((portfolio) =>
          toLakeRow({
            signal: b.signal,
            portfolio,
            holdDays: b.holdDays,
            firings: b.firings,
            ...b[portfolio],
          }),
        ),
      ),
      columns: SUMMARY_SCHEMA,
      meta: lineage,
    },
    {
      table: TABLE.backtestEquity,
      rows: backtests.flatMap((b) => b.equity.map((p) => toLakeRow({ signal: b.signal, ...p }))),
      columns: EQUITY_SCHEMA,
      meta: lineage,
    },
  ];
}
