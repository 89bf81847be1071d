import { Consumer, stringDeserializers } from '@platformatic/kafka';
import type { PublishConfig } from '../config/publish.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { BfError } from '../util/errors.ts';
import { esClient, esError } from './es.ts';
import { scopePrefix, signalKey } from './keys.ts';
import { kafkaError } from './producer.ts';

/** End-of-run checks: the lake's signals against the ES documents and the topic's distinct keys. */

export interface PublishDiff {
  /** Keys (`list:signal:date`) the lake has and ES lacks. */
  missing: string[];
  /** Keys ES has for this list and the lake lacks (e.g. left by an earlier run on different data). */
  extra: string[];
}

/** Pure: compares expected keys with the keys found. */
export function diffKeys(expected: Iterable<string>, actual: Iterable<string>): PublishDiff {
  const want = new Set(expected);
  const have = new Set(actual);
  return {
    missing: [...want].filter((k) => !have.has(k)).sort(),
    extra: [...have].filter((k) => !want.has(k)).sort(),
  };
}

const LISTED = 20;

export function formatDiff(d: PublishDiff): string {
  const part = (label: string, keys: string[]) =>
    keys.length
      ? `${label} ${keys.length}: ${keys.slice(0, LISTED).join(', ')}${keys.length > LISTED ? `, … (${keys.length - LISTED} more)` : ''}`
      : '';
  return [part('missing', d.missing), part('extra', d.extra)].filter(Boolean).join('; ');
}

export interface VerifyResult {
  index: string;
  symbolList: string;
  /** Signals in the lake for this run. */
  expected: number;
  /** Signal documents in ES for this list. */
  documents: number;
}

/**
 * Refreshes the signals index and compares its documents for the run's list with the lake's signals.
 * Throws a BfError with the diff (which signal/date keys are missing or extra) when they disagree.
 */
export async function verifyPublished(
  expected: readonly SignalEvent[],
  cfg: PublishConfig,
  scope: { symbolList: string },
): Promise<VerifyResult> {
  const index = cfg.indices.signals;
  const want = expected.map((e) => signalKey(scope.symbolList, e));
  const have = await documentIds(cfg, index, scope.symbolList);
  const diff = diffKeys(want, have);
  const result = {
    index,
    symbolList: scope.symbolList,
    expected: new Set(want).size,
    documents: have.length,
  };
  if (diff.missing.length || diff.extra.length) {
    throw new BfError(
      `verify: elasticsearch index ${index} holds ${have.length} signal document(s) for ${scope.symbolList}, the lake ${result.expected}: ${formatDiff(diff)}`,
      {
        hint: diff.missing.length
          ? 'documents were lost between Kafka and ES: run `bf sink run --until-caught-up` and check the sink and elasticsearch logs'
          : `documents not in this run's signals: an earlier run of ${scope.symbolList} on other data; delete them (POST ${index}/_delete_by_query on symbol_list) and re-run`,
      },
    );
  }
  return result;
}

/** Every `_id` in `index` whose `symbol_list` is the given list (after a refresh, so recent writes count). */
export async function documentIds(cfg: PublishConfig, index: string, symbolList: string): Promise<string[]> {
  const client = esClient(cfg);
  try {
    await client.indices.refresh({ index, ignore_unavailable: true });
    const ids: string[] = [];
    let after: (string | number)[] | undefined;
    for (;;) {
      const res = await client.search<unknown>({
        index,
        ignore_unavailable: true,
        size: 5000,
        _source: false,
        query: { term: { symbol_list: symbolList } },
        // _id has no doc values to sort on; (date, signal) is unique within a list.
        sort: [{ date: 'asc' }, { signal: { order: 'asc', unmapped_type: 'keyword' } }],
        ...(after ? { search_after: after } : {}),
      });
      const hits = res.hits.hits;
      for (const h of hits) ids.push(h._id!);
      if (hits.length < 5000) return ids;
      after = hits[hits.length - 1]!.sort as (string | number)[];
    }
  } catch (e) {
    throw esError(cfg, `count documents of ${symbolList} in ${index}`, e);
  } finally {
    await client.close().catch(() => {});
  }
}

export interface TopicKeys {
  topic: string;
  /** Messages read (a key sent twice counts twice). */
  messages: number;
  /** Distinct keys whose latest value is not a tombstone. */
  distinctKeys: number;
  keys: Set<string>;
}

/**
 * Reads `topic` from the beginning up to its current high watermarks with a throwaway consumer group (nothing
 * committed), and returns its distinct live keys, optionally only those of one list.
 */
export async function topicDistinctKeys(
  cfg: PublishConfig,
  topic: string,
  opts: { symbolList?: string; timeoutMs?: number } = {},
): Promise<TopicKeys> {
  const prefix = opts.symbolList ? scopePrefix(opts.symbolList) : '';
  const consumer = new Consumer<string, string, string, string>({
    clientId: `${cfg.clientId}-count`,
    groupId: `${cfg.groupId}-count-${process.pid}-${Date.now().toString(36)}`,
    bootstrapBrokers: [cfg.kafkaBootstrap],
    deserializers: stringDeserializers,
    autocommit: false,
    retries: 10,
    retryDelay: 500,
    maxWaitTime: 200,
  });
  const live = new Map<string, boolean>();
  let messages = 0;
  try {
    const hw = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const remaining = new Map<number, bigint>();
    hw.forEach((mark, p) => {
      if (mark > 0n) remaining.set(p, mark - 1n);
    });
    if (remaining.size) {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      const timer = setTimeout(
        () => stream.destroy(new Error(`timed out reading ${topic}`)),
        opts.timeoutMs ?? 60_000,
      );
      try {
        for await (const m of stream) {
          if (m.key?.startsWith(prefix)) {
            messages++;
            live.set(m.key, m.value !== undefined && m.value !== null && m.value !== '');
          }
          const last = remaining.get(m.partition);
          if (last !== undefined && m.offset >= last) remaining.delete(m.partition);
          if (!remaining.size) break;
        }
      } finally {
        clearTimeout(timer);
      }
    }
  } catch (e) {
    throw kafkaError(cfg, `read topic ${topic}`, e);
  } finally {
    await consumer.close(true).catch(() => {});
  }
  const keys = new Set([...live].filter(([, alive]) => alive).map(([k]) => k));
  return { topic, messages, distinctKeys: keys.size, keys };
}
