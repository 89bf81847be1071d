import { hostPort, REPO_ROOT, STACK_HOST } from './stack.ts';

/**
 * Facts about the publish stage, in one place: Kafka topics, Elasticsearch indices, the sink's consumer group,
 * the files holding the index templates and the Kibana saved objects. The broker and ES addresses come from
 * the stack facts (src/config/stack.ts), so a moved host port moves them too.
 */

export const SIGNALS_TOPIC = 'bf.signals';
export const BREADTH_TOPIC = 'bf.breadth';
export const SIGNALS_INDEX = 'bf-signals';
export const BREADTH_INDEX = 'bf-breadth';
/** The sink's consumer group: offsets committed here only after Elasticsearch acknowledged the batch. */
export const SINK_GROUP_ID = 'bf-sink';
export const TOPIC_PARTITIONS = 3;
/**
 * How long the sink keeps re-sending a batch while Elasticsearch cannot be reached or answers 503 (a restart, a
 * node recovering): long enough for a restart of the stack's single node, short enough that a node that is gone
 * fails the run with its name. The batch's offsets stay uncommitted meanwhile, and re-sending it is harmless
 * (`_id` = key).
 */
export const SINK_ES_UNAVAILABLE_MS = 120_000;
/** One broker in the stack. */
export const TOPIC_REPLICATION = 1;

/** Index templates applied (PUT _index_template/<name>) before the sink writes; one file per template. */
export const INDEX_TEMPLATE_FILES = [
  'infra/elasticsearch/bf-signals.index-template.json',
  'infra/elasticsearch/bf-breadth.index-template.json',
] as const;
export const KIBANA_OBJECTS_FILE = 'infra/kibana/bf-dashboard.ndjson';

/** Kafka message key and Elasticsearch `_id` format (see src/publish/keys.ts for why the list is in it). */
export const KEY_FORMAT = {
  signal: '<symbol_list>:<signal>:<date>',
  breadth: '<symbol_list>:<date>',
} as const;

/** Where the publish stage writes; tests and benchmarks give their own topics/indices/group. */
export interface PublishConfig {
  /** `host:port` of the Kafka host listener. */
  kafkaBootstrap: string;
  /** Elasticsearch base URL, no trailing slash. */
  esUrl: string;
  topics: { signals: string; breadth: string };
  indices: { signals: string; breadth: string };
  groupId: string;
  clientId: string;
  partitions: number;
  replication: number;
  /** Absolute paths of the index template files. */
  templateFiles: string[];
}

export function publishConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<PublishConfig> = {},
): PublishConfig {
  return {
    kafkaBootstrap: `${STACK_HOST}:${hostPort('kafka', 'broker', env)}`,
    esUrl: `http://${STACK_HOST}:${hostPort('elasticsearch', 'http', env)}`,
    topics: { signals: SIGNALS_TOPIC, breadth: BREADTH_TOPIC },
    indices: { signals: SIGNALS_INDEX, breadth: BREADTH_INDEX },
    groupId: SINK_GROUP_ID,
    clientId: 'bf',
    partitions: TOPIC_PARTITIONS,
    replication: TOPIC_REPLICATION,
    templateFiles: INDEX_TEMPLATE_FILES.map((f) => `${REPO_ROOT.replace(/\/$/, '')}/${f}`),
    ...overrides,
  };
}

export function kibanaUrl(env: NodeJS.ProcessEnv = process.env): string {
  return `http://${STACK_HOST}:${hostPort('kibana', 'http', env)}`;
}
