import { type Client, errors as esErrors } from '@elastic/elasticsearch';
import { Consumer, type Message, stringDeserializers } from '@platformatic/kafka';
import { type PublishConfig, SINK_ES_UNAVAILABLE_MS } from '../config/publish.ts';
import { BfError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';
import { applyIndexTemplates, esClient, esError } from './es.ts';
import { ensureTopics, kafkaError } from './producer.ts';

/**
 * The sink: one consumer group reads the signal and breadth topics and bulk-indexes into Elasticsearch with
 * `_id` = message key, so replaying a message rewrites the same document. Offsets are committed by hand, only
 * after ES acknowledged every item of the batch: a crash between the two replays the batch (at-least-once
 * delivery, exactly-once documents). `client.bulk` rather than the bulk helper: the helper flushes on its own
 * schedule and would not tell us which Kafka offsets a flush covered.
 */

export interface SinkOptions {
  /** Stop once the group's committed offsets reach the high watermarks of every partition. */
  untilCaughtUp?: boolean;
  /** Stops the sink (SIGINT/SIGTERM in the CLI). A batch not yet committed is left uncommitted. */
  signal?: AbortSignal;
  /** Messages per bulk request. */
  batchSize?: number;
  /** A partial batch is flushed after this long without a new message. */
  flushIntervalMs?: number;
  /** untilCaughtUp: give up (with the lag in the error) after this long. */
  timeoutMs?: number;
  /** How long a batch is re-sent while Elasticsearch is unreachable; default SINK_ES_UNAVAILABLE_MS. */
  esUnavailableMs?: number;
}

export interface SinkResult {
  batches: number;
  /** Index operations acknowledged (a replayed message counts again). */
  indexed: number;
  deleted: number;
  stoppedBy: 'caught-up' | 'signal';
  ms: number;
}

const DEFAULT_BATCH = 2000;
const DEFAULT_FLUSH_MS = 200;
const DEFAULT_TIMEOUT_MS = 300_000;

type Msg = Message<string, string, string, string>;

/** An item-level rejection of a bulk request. */
export interface BulkItemError {
  index: string;
  id: string;
  status: number;
  type: string;
  reason: string;
}

/** Bulk operations for a batch: index with `_id` = key, or delete on a tombstone (null value). Pure. */
export function bulkOperations(
  messages: readonly Pick<Msg, 'topic' | 'key' | 'value'>[],
  indexFor: (topic: string) => string,
): (string | Record<string, unknown>)[] {
  const ops: (string | Record<string, unknown>)[] = [];
  for (const m of messages) {
    if (!m.key)
      throw new BfError(`sink: message without key in topic ${m.topic}`, {
        hint: 'every bf message is keyed; was it written by another producer?',
      });
    const _index = indexFor(m.topic);
    if (m.value === undefined || m.value === null || m.value === '') {
      ops.push({ delete: { _index, _id: m.key } });
      continue;
    }
    ops.push({ index: { _index, _id: m.key } });
    // The value is already JSON: passed through as a string (the client writes strings verbatim), re-encoded
    // only if it spans lines, which would break the NDJSON framing of _bulk.
    ops.push(m.value.includes('\n') ? JSON.stringify(JSON.parse(m.value)) : m.value);
  }
  return ops;
}

/** The rejected items of a bulk response (ES sets `errors: true` when any item failed). Pure. */
export function bulkItemErrors(items: readonly Record<string, unknown>[]): BulkItemError[] {
  const out: BulkItemError[] = [];
  for (const item of items) {
    const [, r] = Object.entries(item)[0] ?? [];
    const res = r as
      | {
          _index?: string;
          _id?: string;
          status?: number;
          error?: { type?: string; reason?: string; caused_by?: { reason?: string } };
        }
      | undefined;
    if (!res?.error) continue;
    const cause = res.error.caused_by?.reason;
    out.push({
      index: res._index ?? '?',
      id: res._id ?? '?',
      status: res.status ?? 0,
      type: res.error.type ?? 'error',
      reason: `${res.error.reason ?? ''}${cause ? ` (${cause})` : ''}`,
    });
  }
  return out;
}

/** 429 and 5xx are worth another try; a 400 (mapping rejection) is not. */
const retryable = (e: BulkItemError) => e.status === 429 || e.status >= 500;

/** Next offsets to commit per partition: the batch's last offset + 1. */
export function commitOffsets(
  messages: readonly Pick<Msg, 'topic' | 'partition' | 'offset' | 'leaderEpoch'>[],
) {
  const last = new Map<string, { topic: string; partition: number; offset: bigint; leaderEpoch: number }>();
  for (const m of messages) {
    const k = `${m.topic}/${m.partition}`;
    const prev = last.get(k);
    if (!prev || m.offset >= prev.offset) {
      last.set(k, {
        topic: m.topic,
        partition: m.partition,
        offset: m.offset + 1n,
        leaderEpoch: m.leaderEpoch,
      });
    }
  }
  return [...last.values()];
}

/**
 * Elasticsearch cannot be reached or says it cannot serve now (a restart): worth waiting for. A rejection of the
 * request itself (4xx) is not.
 */
export function esUnavailable(e: unknown): boolean {
  if (e instanceof esErrors.ConnectionError || e instanceof esErrors.NoLivingConnectionsError) return true;
  if (e instanceof esErrors.TimeoutError) return true;
  return e instanceof esErrors.ResponseError && (e.statusCode === 503 || e.statusCode === 502);
}

async function indexBatch(
  client: Client,
  cfg: PublishConfig,
  messages: Msg[],
  indexFor: (topic: string) => string,
  log: Logger,
  unavailableMs: number,
): Promise<{ indexed: number; deleted: number }> {
  const operations = bulkOperations(messages, indexFor);
  let unavailableSince: number | undefined;
  let pushbackSince: number | undefined;
  for (let attempt = 1; ; attempt++) {
    let res: Awaited<ReturnType<Client['bulk']>>;
    try {
      res = await client.bulk({ operations });
    } catch (e) {
      const now = performance.now();
      if (esUnavailable(e) && (unavailableSince === undefined || now - unavailableSince < unavailableMs)) {
        if (unavailableSince === undefined) {
          unavailableSince = now;
          log.warn(
            `elasticsearch at ${cfg.esUrl} unavailable (${e instanceof Error ? e.message : String(e)}); re-sending the batch for up to ${unavailableMs / 1000} s (its offsets stay uncommitted)`,
          );
        }
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      throw esError(
        cfg,
        `bulk-index ${messages.length} document(s)${unavailableSince === undefined ? '' : ` (unavailable for ${((now - unavailableSince) / 1000).toFixed(0)} s)`}`,
        e,
      );
    }
    if (unavailableSince !== undefined) {
      log.info(
        `elasticsearch at ${cfg.esUrl} answers again after ${((performance.now() - unavailableSince) / 1000).toFixed(1)} s`,
      );
      unavailableSince = undefined;
    }
    const errors = res.errors ? bulkItemErrors(res.items as Record<string, unknown>[]) : [];
    if (!errors.length) {
      const deleted = messages.filter((m) => !m.value).length;
      return { indexed: messages.length - deleted, deleted };
    }
    pushbackSince ??= performance.now();
    // Shards still recovering after a restart answer 503 per item: waited for as long as an unreachable node.
    if (errors.every(retryable) && (attempt < 5 || performance.now() - pushbackSince < unavailableMs)) {
      log.warn(
        `elasticsearch pushed back on ${errors.length} item(s) (HTTP ${errors[0]!.status}), retrying the batch`,
      );
      await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5000)));
      continue;
    }
    const first = errors[0]!;
    throw new BfError(
      `sink: elasticsearch rejected document ${first.id} in index ${first.index}: ${first.type}: ${first.reason}` +
        (errors.length > 1 ? ` (and ${errors.length - 1} more item(s) of the batch)` : ''),
      {
        hint: `the batch's offsets were NOT committed; fix the mapping (infra/elasticsearch/) or the message, then run the sink again`,
      },
    );
  }
}

/** For each topic, `[committed, highWatermark]` per partition; caught up when committed >= HW everywhere. */
export async function groupLag(
  consumer: Consumer<string, string, string, string>,
  topics: string[],
): Promise<{ topic: string; partition: number; committed: bigint; highWatermark: bigint }[]> {
  const hw = await consumer.listOffsets({ topics });
  const committed = await consumer.listCommittedOffsets({
    topics: topics.map((topic) => ({ topic, partitions: (hw.get(topic) ?? []).map((_, i) => i) })),
  });
  const rows = [];
  for (const topic of topics) {
    const marks = hw.get(topic) ?? [];
    const done = committed.get(topic) ?? [];
    for (let p = 0; p < marks.length; p++) {
      rows.push({ topic, partition: p, committed: done[p] ?? -1n, highWatermark: marks[p]! });
    }
  }
  return rows;
}

/** Messages between the group's committed offsets (none yet: the start) and the high watermarks. */
export const backlogOf = (rows: Awaited<ReturnType<typeof groupLag>>): number =>
  rows.reduce((n, r) => n + Number(r.highWatermark - (r.committed < 0n ? 0n : r.committed)), 0);

/** `  … sink: 120/480 document(s) indexed or deleted in 3 batch(es)`; without a known backlog, no total. */
export function sinkProgressLine(done: number, batches: number, backlog: number | undefined): string {
  const total = backlog ? `/${Math.max(backlog, done)}` : '';
  return `  … sink: ${done}${total} document(s) indexed or deleted in ${batches} batch(es)`;
}

const isCaughtUp = (rows: Awaited<ReturnType<typeof groupLag>>) =>
  rows.every((r) => r.highWatermark === 0n || r.committed >= r.highWatermark);

/**
 * Runs the sink: templates applied, topics ensured, then read → bulk → commit until caught up (pipeline) or
 * until `signal` aborts (CLI, on SIGINT/SIGTERM). Throws a BfError naming the index, the document and ES's
 * reason when ES rejects an item; that batch's offsets are not committed.
 */
export async function runSink(cfg: PublishConfig, opts: SinkOptions, log: Logger): Promise<SinkResult> {
  const t0 = performance.now();
  const topics = [cfg.topics.signals, cfg.topics.breadth];
  const indexByTopic = new Map([
    [cfg.topics.signals, cfg.indices.signals],
    [cfg.topics.breadth, cfg.indices.breadth],
  ]);
  const indexFor = (topic: string) => {
    const index = indexByTopic.get(topic);
    if (!index) throw new BfError(`sink: no index for topic ${topic}`);
    return index;
  };
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const flushMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_MS;
  const deadline = t0 + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const unavailableMs = opts.esUnavailableMs ?? SINK_ES_UNAVAILABLE_MS;

  const client = esClient(cfg);
  const consumer = new Consumer<string, string, string, string>({
    clientId: `${cfg.clientId}-sink`,
    groupId: cfg.groupId,
    bootstrapBrokers: [cfg.kafkaBootstrap],
    deserializers: stringDeserializers,
    autocommit: false,
    retries: 20,
    retryDelay: 500,
    maxWaitTime: flushMs,
    sessionTimeout: 20_000,
    heartbeatInterval: 1_000,
  });
  const result: SinkResult = { batches: 0, indexed: 0, deleted: 0, stoppedBy: 'signal', ms: 0 };
  try {
    await applyIndexTemplates(client, cfg);
    await ensureTopics(cfg, topics);
    if (opts.signal?.aborted) return result;

    let stream: Awaited<ReturnType<typeof consumer.consume>>;
    try {
      stream = await consumer.consume({
        topics,
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
        // Room for the next batch to arrive from Kafka while ES indexes the current one.
        highWaterMark: batchSize * 2,
      });
    } catch (e) {
      throw kafkaError(cfg, `join group ${cfg.groupId} on ${topics.join(', ')}`, e);
    }
    // What "caught up" means in messages (one message is one document), for progress: the backlog at the start.
    const backlog = opts.untilCaughtUp
      ? backlogOf(await groupLag(consumer, topics).catch(() => []))
      : undefined;
    const it = stream[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<Msg>> | undefined;
    let tick: Promise<'tick'> | undefined;
    let streamError: unknown;
    const aborted = new Promise<'abort'>((resolve) => {
      if (opts.signal?.aborted) resolve('abort');
      opts.signal?.addEventListener('abort', () => resolve('abort'), { once: true });
    });
    let batch: Msg[] = [];
    let lastMessageAt = performance.now();

    const flush = async (): Promise<boolean> => {
      if (!batch.length) return true;
      const current = batch;
      batch = [];
      const counts = await indexBatch(client, cfg, current, indexFor, log, unavailableMs);
      const offsets = commitOffsets(current);
      result.batches++;
      if (opts.signal?.aborted) return false; // stopped while ES indexed: the batch is read again next time
      try {
        await consumer.commit({ offsets });
      } catch (e) {
        throw kafkaError(cfg, `commit offsets of group ${cfg.groupId}`, e);
      }
      result.indexed += counts.indexed;
      result.deleted += counts.deleted;
      log.progress(sinkProgressLine(result.indexed + result.deleted, result.batches, backlog));
      return true;
    };

    for (;;) {
      if (performance.now() > deadline) {
        const lag = opts.untilCaughtUp ? await groupLag(consumer, topics).catch(() => []) : [];
        const behind = lag
          .filter((r) => r.committed < r.highWatermark)
          .map((r) => `${r.topic}/${r.partition} at ${r.committed} of ${r.highWatermark}`);
        throw new BfError(
          `sink: not caught up after ${((performance.now() - t0) / 1000).toFixed(0)} s${behind.length ? `: ${behind.join(', ')}` : ''}`,
          { hint: 'check the kafka and elasticsearch logs (bf infra logs kafka / elasticsearch)' },
        );
      }
      pending ??= it.next().catch((e: unknown) => {
        streamError = e;
        return { done: true, value: undefined } as IteratorResult<Msg>;
      });
      // One timer per flush interval, not one per message: a busy topic yields thousands of messages a second.
      tick ??= new Promise<'tick'>((r) => setTimeout(() => r('tick'), flushMs).unref());
      const next = await Promise.race([pending, tick, aborted]);
      if (next === 'abort') break;
      if (next === 'tick') {
        tick = undefined;
        if (batch.length && performance.now() - lastMessageAt >= flushMs) {
          if (!(await flush())) break;
        }
        if (!batch.length && opts.untilCaughtUp && isCaughtUp(await groupLag(consumer, topics))) {
          result.stoppedBy = 'caught-up';
          break;
        }
        continue;
      }
      pending = undefined;
      if (next.done) {
        if (streamError) throw kafkaError(cfg, 'consume', streamError);
        break;
      }
      batch.push(next.value);
      lastMessageAt = performance.now();
      if (batch.length >= batchSize && !(await flush())) break;
    }
    if (result.stoppedBy === 'signal') {
      log.info(`sink stopped: ${batch.length} message(s) read but not committed will be read again`);
    }
  } finally {
    await consumer.close(true).catch(() => {});
    await client.close().catch(() => {});
  }
  result.ms = Math.round(performance.now() - t0);
  log.info(
    `sink: ${result.indexed} indexed, ${result.deleted} deleted in ${result.batches} batch(es), ${result.stoppedBy} (${result.ms} ms)`,
  );
  return result;
}
