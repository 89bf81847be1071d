import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';

/**
 * Deterministic Kafka keys / Elasticsearch `_id`s and the JSON message values (pure).
 *
 * Why the symbol list is in the key: two lists publish to the same topics and indices. With `${signal}:${date}`
 * alone, demo_large's Zweig thrust on 2020-04-08 would overwrite demo_small's, and each list's count in ES would
 * depend on the other. With `${list}:${signal}:${date}` a list re-published yields the same ids (so a second
 * identical run changes nothing), lists never collide, and counts are scoped by the `symbol_list` field.
 * The engine and the source are NOT in the key: DuckDB and Spark must give identical results for a list, so
 * either engine's run overwrites the same documents (the last writer's `engine` field is kept).
 */

export interface PublishContext {
  /** Name of the symbol list (built-in name or the list file's name): the scope of every key. */
  symbolList: string;
  synthetic: boolean;
  engine: string;
  /** `sample`, `yahoo` or `csv:DIR`; informational. */
  source?: string;
}

export function signalKey(symbolList: string, e: Pick<SignalEvent, 'signal' | 'date'>): string {
  return `${symbolList}:${e.signal}:${e.date}`;
}

export function breadthKey(symbolList: string, row: Pick<BreadthSeriesRow, 'date'>): string {
  return `${symbolList}:${row.date}`;
}

/** Prefix shared by every key of one list (for counting a list's keys in a topic). */
export function scopePrefix(symbolList: string): string {
  return `${symbolList}:`;
}

export interface SignalDoc {
  symbol_list: string;
  signal: string;
  date: string;
  value: number;
  synthetic: boolean;
  engine: string;
  source: string | null;
}

export interface BreadthDoc {
  symbol_list: string;
  date: string;
  advancers: number;
  decliners: number;
  unchanged: number;
  issues: number;
  above_sma50: number;
  with_sma50: number;
  above_sma200: number;
  with_sma200: number;
  new_highs: number;
  new_lows: number;
  ew_return: number | null;
  ad_ratio: number | null;
  zweig_ema: number | null;
  ad_line: number;
  mcclellan: number | null;
  frac_above_sma50: number | null;
  frac_above_sma200: number | null;
  synthetic: boolean;
  engine: string;
  source: string | null;
}

export function signalDoc(e: SignalEvent, ctx: PublishContext): SignalDoc {
  return {
    symbol_list: ctx.symbolList,
    signal: e.signal,
    date: e.date,
    value: e.value,
    synthetic: ctx.synthetic,
    engine: ctx.engine,
    source: ctx.source ?? null,
  };
}

/** Non-finite numbers have no JSON form; they go out as null rather than silently as `null` strings. */
const num = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

export function breadthDoc(r: BreadthSeriesRow, ctx: PublishContext): BreadthDoc {
  return {
    symbol_list: ctx.symbolList,
    date: r.date,
    advancers: r.advancers,
    decliners: r.decliners,
    unchanged: r.unchanged,
    issues: r.issues,
    above_sma50: r.aboveSma50,
    with_sma50: r.withSma50,
    above_sma200: r.aboveSma200,
    with_sma200: r.withSma200,
    new_highs: r.newHighs,
    new_lows: r.newLows,
    ew_return: num(r.ewReturn),
    ad_ratio: num(r.adRatio),
    zweig_ema: num(r.zweigEma),
    ad_line: r.adLine,
    mcclellan: num(r.mcclellan),
    frac_above_sma50: num(r.fracAboveSma50),
    frac_above_sma200: num(r.fracAboveSma200),
    synthetic: ctx.synthetic,
    engine: ctx.engine,
    source: ctx.source ?? null,
  };
}

export interface KeyedMessage {
  topic: string;
  key: string;
  value: string;
}

/** Every message of one run, keyed; duplicate keys (the same event twice) are collapsed to one message. */
export function buildMessages(
  input: { events: readonly SignalEvent[]; series: readonly BreadthSeriesRow[]; context: PublishContext },
  topics: { signals: string; breadth: string },
): { signals: KeyedMessage[]; breadth: KeyedMessage[] } {
  const { context } = input;
  if (!context.symbolList) throw new Error('publish context needs a symbol list name (it scopes every key)');
  const dedupe = (msgs: KeyedMessage[]) => [...new Map(msgs.map((m) => [m.key, m])).values()];
  return {
    signals: dedupe(
      input.events.map((e) => ({
        topic: topics.signals,
        key: signalKey(context.symbolList, e),
        value: JSON.stringify(signalDoc(e, context)),
      })),
    ),
    breadth: dedupe(
      input.series.map((r) => ({
        topic: topics.breadth,
        key: breadthKey(context.symbolList, r),
        value: JSON.stringify(breadthDoc(r, context)),
      })),
    ),
  };
}
