// Kafka client: @platformatic/kafka. kafkajs is unmaintained (no release since 2023, no KIP-848 nor Kafka 4
// support work), and Confluent's clients (confluent-kafka-javascript, node-rdkafka) wrap librdkafka, a native
// addon whose install downloads prebuilt binaries; @platformatic/kafka is pure TypeScript, maintained, supports
// Kafka 3.5–4.x and the idempotent producer we need.
import {
  Admin,
  compatibilityPartitioner,
  ProduceAcks,
  Producer,
  stringSerializers,
} from '@platformatic/kafka';
import type { PublishConfig } from '../config/publish.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { BfError } from '../util/errors.ts';
import type { Logger } from '../util/log.ts';
import { buildMessages, type KeyedMessage, type PublishContext } from './keys.ts';

export interface PublishInput {
  events: readonly SignalEvent[];
  series: readonly BreadthSeriesRow[];
  context: PublishContext;
  /**
   * Keys published earlier that this run no longer has (e.g. a signal that moved when the range changed): sent as
   * tombstones (empty value), so the sink deletes those documents and ES ends equal to the lake.
   */
  retract?: { signals?: readonly string[]; breadth?: readonly string[] };
}

export interface PublishCounts {
  /** Distinct signal keys sent (one per event). */
  signals: number;
  /** Distinct breadth keys sent (one per day). */
  breadth: number;
  topics: { signals: string; breadth: string };
  ms: number;
}

export interface PublishOptions {
  /** Messages per produce request. */
  chunkSize?: number;
  /** How long a chunk keeps being retried while the broker is away (e.g. restarting). */
  retryForMs?: number;
  /** Called after each chunk was acknowledged (progress; tests use it to restart the broker mid-publish). */
  onChunk?: (sent: number, total: number) => void | Promise<void>;
}

const DEFAULT_CHUNK = 500;
const DEFAULT_RETRY_FOR_MS = 90_000;
const RETRY_DELAY_MS = 500;

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Creates the topics that do not exist yet (partitions/replication from the config). */
export async function ensureTopics(cfg: PublishConfig, topics: string[]): Promise<void> {
  const admin = new Admin({
    clientId: `${cfg.clientId}-admin`,
    bootstrapBrokers: [cfg.kafkaBootstrap],
    retries: 5,
    retryDelay: 500,
  });
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) {
      await admin
        .createTopics({ topics: missing, partitions: cfg.partitions, replicas: cfg.replication })
        .catch((e: unknown) => {
          // Another process may have created it between list and create.
          if (!/already exists/i.test(errText(e)) && !/TOPIC_ALREADY_EXISTS/.test(JSON.stringify(e))) throw e;
        });
    }
  } catch (e) {
    throw kafkaError(cfg, 'create topics', e);
  } finally {
    await admin.close().catch(() => {});
  }
}

export function kafkaError(cfg: PublishConfig, what: string, e: unknown): BfError {
  if (e instanceof BfError) return e;
  return new BfError(`publish: kafka at ${cfg.kafkaBootstrap} failed to ${what}: ${errText(e)}`, {
    hint: 'check the broker is up: bf infra status (service kafka), and its log: bf infra logs kafka',
    cause: e,
  });
}

/**
 * Publishes a run's signals and breadth rows: topics created if missing, one idempotent producer (acks all,
 * so a retried batch after a broker restart is not written twice), keys from keys.ts. Returns the counts sent.
 */
export async function publishSignals(
  input: PublishInput,
  cfg: PublishConfig,
  log: Logger,
  opts: PublishOptions = {},
): Promise<PublishCounts> {
  const t0 = performance.now();
  const msgs = buildMessages(input, cfg.topics);
  await ensureTopics(cfg, [cfg.topics.signals, cfg.topics.breadth]);
  const producer = new Producer({
    clientId: `${cfg.clientId}-producer`,
    bootstrapBrokers: [cfg.kafkaBootstrap],
    serializers: stringSerializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // Java-compatible murmur2: a key lands on the partition a JVM producer (e.g. Spark) would pick.
    partitioner: compatibilityPartitioner,
    // The client retries a chunk with the same producer id and sequence numbers, so a broker that already
    // wrote it drops the repeat. A new send() after a failure would get a new producer id (the client resets it)
    // and could write the chunk twice; so the client's own retries span the whole wait for a restarting broker.
    retries: Math.ceil((opts.retryForMs ?? DEFAULT_RETRY_FOR_MS) / RETRY_DELAY_MS),
    retryDelay: RETRY_DELAY_MS,
  });
  const chunk = opts.chunkSize ?? DEFAULT_CHUNK;
  try {
    const tombstones = (topic: string, keys: readonly string[] = []): KeyedMessage[] =>
      keys.map((key) => ({ topic, key, value: '' }));
    const all: KeyedMessage[] = [
      ...msgs.signals,
      ...msgs.breadth,
      ...tombstones(cfg.topics.signals, input.retract?.signals),
      ...tombstones(cfg.topics.breadth, input.retract?.breadth),
    ];
    for (let i = 0; i < all.length; i += chunk) {
      const batch = all.slice(i, i + chunk);
      await producer.send({ messages: batch });
      log.progress(`  … published ${Math.min(i + chunk, all.length)}/${all.length} messages`);
      await opts.onChunk?.(Math.min(i + chunk, all.length), all.length);
    }
  } catch (e) {
    throw kafkaError(cfg, 'publish', e);
  } finally {
    await producer.close().catch(() => {});
  }
  const ms = Math.round(performance.now() - t0);
  log.info(
    `published ${msgs.signals.length} signal(s) to ${cfg.topics.signals} and ${msgs.breadth.length} breadth row(s) to ${cfg.topics.breadth} (${ms} ms)`,
  );
  return { signals: msgs.signals.length, breadth: msgs.breadth.length, topics: { ...cfg.topics }, ms };
}
