/**
 * What an incremental `bf signals generate` recomputes (issue 11 §3). Pure: the engine gives it the state stored
 * with the last run's features and breadth, this run's scope, and the prices changes since that run
 * (src/lake/changes.ts); it answers "full recompute, because …" or which symbols to recompute from where.
 *
 * The rule. A feature of bar i depends only on the symbol's bars up to i, and on at most the FEATURES_LOOKBACK_BARS
 * bars before it (sql/features.sql). So for a symbol whose earliest changed bar is C:
 *   * bars before C keep their stored features;
 *   * if C is after the symbol's last stored bar (new days), only the new bars' features are computed, from its
 *     last LOOKBACK stored bars plus the new ones, bar_index counted on from the bars before that tail;
 *   * otherwise (history changed: a dividend re-adjusts every past close, a bar was dropped) it runs over the
 *     symbol's whole history and replaces its rows from C on.
 * Breadth is re-aggregated for the dates from the earliest change over all symbols on; earlier days are kept.
 */

/**
 * How many previous bars a feature looks at: the 252-bar MAX/MIN of sql/features.sql (the SMAs need fewer).
 * incremental-plan.test.ts checks it against the SQL.
 */
export const FEATURES_LOOKBACK_BARS = 252;

/** When more than this share of the run's symbols must be recomputed from their first bar, a full run is as fast. */
const FULL_WHEN_HISTORY_CHANGED_SHARE = 0.5;

/** What the stored features say about one symbol (only symbols with at least one bar in the run's scope). */
export interface SymbolState {
  /** Bars in scope (= the last bar_index). */
  bars: number;
  first: string;
  last: string;
  /** Date of the first of the last FEATURES_LOOKBACK_BARS bars: where the tail for new days starts. */
  tailStart: string;
}

/** The state stored with the `breadth` table: what its features and breadth were computed from. */
export interface IncrementalState {
  format: 1;
  /** The run's symbol list name and its `--start` / `--end` flags (null when not given). */
  list: string;
  start: string | null;
  end: string | null;
  /** Fingerprint of sql/features.sql + sql/breadth.sql. */
  sql: string;
  /** Version of `prices` (src/lake/changes.ts) the features were computed from; null when it had no log. */
  prices: string | null;
  /** The features table's files this state describes. */
  featureFiles: string[];
  /** The symbols the run used, sorted. */
  symbols: string[];
  stats: Record<string, SymbolState>;
  /**
   * Files beside the state that together hold each symbol's last FEATURES_LOOKBACK_BARS bars (symbol, date,
   * adj_close, pos = bar_index), so a run of new days reads them instead of scanning the prices: the first a whole
   * set of tails, each later one the new bars of one run of new days (so a symbol's older bars may still be there;
   * readers go by pos). Absent: read from the prices.
   */
  tails?: string[];
  /** The one tails file of a state written before `tails` existed: read as `tails: [tail]`. */
  tail?: string;
  /**
   * A file beside the tails holding each symbol's running state at its last bar (the 49/199-bar sums, the 252-bar
   * max/min: src/engines/duckdb/incremental.ts, runningStateSql), so a new bar's window values need no frame
   * aggregated. Absent (a state written before it existed): aggregated from the tails.
   */
  running?: string;
}

/** This run, as the state is keyed. */
export interface RunKey {
  list: string;
  start: string | null;
  end: string | null;
  sql: string;
  /** The symbols this run uses. */
  symbols: readonly string[];
}

/** One symbol to recompute. */
export interface Recompute {
  symbol: string;
  /** First bar the tail reads; null = the symbol's first bar. */
  tailStart: string | null;
  /** Bars before the tail: added to the tail's bar_index. */
  offset: number;
  /** Output rows from this date on replace the stored ones ('0001-01-01' for a symbol new to the run). */
  keepFrom: string;
  /** True when only new days follow the stored bars (nothing stored is replaced). */
  append: boolean;
}

export type Plan =
  | { kind: 'full'; reason: string }
  | {
      kind: 'incremental';
      recompute: Recompute[];
      /** Symbols the stored run had and this one does not: their rows go. */
      removed: string[];
      /**
       * Breadth is re-aggregated from this date on, or from the first new row (whichever is earlier); null when
       * no stored row changes.
       */
      breadthFrom: string | null;
    };

export const BEGINNING = '0001-01-01';

const DAY_MS = 86_400_000;
const nextDay = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/**
 * The plan for this run. `changes` are the prices changes (symbol → earliest changed date) since the state's
 * prices version: null when they are unknown. `featureFiles` are the features table's current files.
 */
export function planRecompute(input: {
  state: IncrementalState | null;
  run: RunKey;
  changes: ReadonlyMap<string, string> | null;
  featureFiles: readonly string[] | null;
  full?: boolean;
}): Plan {
  const { state, run, changes } = input;
  const full = (reason: string): Plan => ({ kind: 'full', reason });
  if (input.full) return full('--full given');
  if (!state) return full('no stored state (first run here, or the last one was interrupted or older)');
  if (state.list !== run.list) return full(`the stored breadth is for symbol list ${state.list}`);
  if (state.sql !== run.sql) return full('sql/features.sql or sql/breadth.sql changed since the stored run');
  if (state.start !== run.start) {
    return full(
      `--start ${run.start ?? '(none)'} differs from the stored run's ${state.start ?? '(none)'} (every bar_index moves)`,
    );
  }
  if (!sameList(state.featureFiles, input.featureFiles ?? [])) {
    return full('the features table is not the one the stored state describes');
  }
  if (!changes) {
    return full(
      state.prices === null
        ? 'the stored run read prices without a change log'
        : 'the prices changed beyond what their change log keeps',
    );
  }
  // A different --end hides or shows bars after the earlier of the two ends: a change from the day after it.
  const endChange = state.end === run.end ? null : nextDay(minEnd(state.end, run.end) ?? '9999-12-30');
  const had = new Set(state.symbols);
  const using = new Set(run.symbols);
  const recompute: Recompute[] = [];
  let breadthFrom: string | null = null;
  const earlier = (d: string) => {
    if (breadthFrom === null || d < breadthFrom) breadthFrom = d;
  };
  for (const symbol of [...using].sort()) {
    if (!had.has(symbol)) {
      recompute.push({ symbol, tailStart: null, offset: 0, keepFrom: BEGINNING, append: false });
      continue;
    }
    let from = changes.get(symbol) ?? null;
    if (from !== null && run.end !== null && from > run.end) from = null;
    if (from !== null && run.start !== null && from < run.start) from = run.start;
    if (endChange !== null && (from === null || endChange < from)) from = endChange;
    if (from === null) continue;
    const st = state.stats[symbol];
    if (st && from > st.last) {
      recompute.push({
        symbol,
        tailStart: st.tailStart,
        offset: Math.max(0, st.bars - FEATURES_LOOKBACK_BARS),
        keepFrom: from,
        append: true,
      });
    } else {
      recompute.push({ symbol, tailStart: null, offset: 0, keepFrom: from, append: false });
    }
    earlier(from);
  }
  const removed = state.symbols.filter((s) => !using.has(s));
  for (const s of removed) {
    const st = state.stats[s];
    if (st) earlier(st.first);
  }
  const rewritten = recompute.filter((r) => !r.append).length;
  if (rewritten > 0 && rewritten > run.symbols.length * FULL_WHEN_HISTORY_CHANGED_SHARE) {
    return full(`${rewritten} of ${run.symbols.length} symbols changed history or are new to the run`);
  }
  return { kind: 'incremental', recompute, removed, breadthFrom };
}

function minEnd(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `incremental: 1 new day, 3000 symbols (…)`: what the stage says on stderr. */
export function describeIncremental(r: {
  newDays: number;
  reaggregatedFrom: string | null;
  reaggregatedDays: number;
  recompute: readonly Recompute[];
  removed: readonly string[];
}): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const history = r.recompute.filter((x) => !x.append).length;
  const parts = [
    `incremental: ${plural(r.newDays, 'new day')}, ${plural(r.recompute.length, 'symbol')} recomputed`,
  ];
  if (history > 0) parts.push(`${history} of them from their first bar`);
  if (r.removed.length > 0) parts.push(`${plural(r.removed.length, 'symbol')} left the run`);
  parts.push(
    r.reaggregatedFrom === null
      ? 'breadth unchanged'
      : `breadth re-aggregated from ${r.reaggregatedFrom} (${plural(r.reaggregatedDays, 'day')})`,
  );
  return parts.join(', ');
}

/**
 * A run of new days adds its new bars to the stored tails (a file, or a Delta append, of its own: 3,000 rows at
 * 3,000 symbols instead of rewriting 756,000). Past this many pieces the next run writes the tails afresh, trimmed
 * to the last FEATURES_LOOKBACK_BARS bars per symbol: until then each piece adds a day a reader skips (16: up to
 * 6 % more rows to read, one rewrite every 16 nightly runs).
 */
export const TAIL_FILES_MAX = 16;

/**
 * For tests only: another TAIL_FILES_MAX (a whole number >= 1; anything else is ignored), so that a stack test
 * reaches the rewrite after one append instead of sixteen Spark runs. Read here only, so both engines follow it.
 */
export const TAIL_FILES_MAX_ENV = 'BF_TAIL_FILES_MAX';

/**
 * Whether this run's tails go on as the stored ones plus its new bars (true), or are written afresh (false): only
 * new days (no changed history, no symbol left), and fewer than TAIL_FILES_MAX pieces stored. `stored`: how many
 * pieces the stored tails are.
 */
export function appendsTails(
  r: { stored: number; fast: number; slow: number; removed: number },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const max = Number(env[TAIL_FILES_MAX_ENV]);
  const pieces = Number.isInteger(max) && max >= 1 ? max : TAIL_FILES_MAX;
  return r.slow === 0 && r.removed === 0 && r.fast > 0 && r.stored < pieces;
}

/**
 * The next state's per-symbol part: untouched symbols keep theirs; `recomputed` are the recomputed symbols' new
 * states (a tail that did not start at the first bar keeps the stored `first`); a symbol taking new days none of
 * which is in the run's range keeps its stored state.
 */
export function nextStats(
  state: IncrementalState,
  recompute: readonly Recompute[],
  removed: readonly string[],
  recomputed: Readonly<Record<string, SymbolState>>,
  isFast: (x: Recompute) => boolean,
): Record<string, SymbolState> {
  const stats: Record<string, SymbolState> = {};
  const gone = new Set([...removed, ...recompute.map((x) => x.symbol)]);
  for (const [s, st] of Object.entries(state.stats)) if (!gone.has(s)) stats[s] = st;
  for (const x of recompute) {
    const st = recomputed[x.symbol];
    if (!st) {
      if (isFast(x)) stats[x.symbol] = state.stats[x.symbol]!;
      continue;
    }
    stats[x.symbol] = x.tailStart === null ? st : { ...st, first: state.stats[x.symbol]!.first };
  }
  return stats;
}
