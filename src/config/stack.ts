import { fileURLToPath } from 'node:url';

/**
 * Facts about the Docker Compose stack, in one place: service names, container ports with the env vars
 * that move their host side, the S3 bucket and credentials, compose file paths and the project name.
 * infra/docker-compose.yml is written to these facts; bf reads the resolved compose config for the truth
 * at run time and falls back to these defaults.
 */

export const SERVICE_NAMES = [
  'spark-master',
  'spark-worker',
  'spark-sql',
  'kafka',
  's3',
  's3-console',
  'elasticsearch',
  'kibana',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface PortFact {
  /** What the port is for, e.g. `ui`. */
  readonly role: string;
  /** The port inside the container (compose `target`). */
  readonly containerPort: number;
  /** Env var that sets the host port. */
  readonly env: string;
  readonly defaultHostPort: number;
}

export interface ServiceFact {
  readonly ports: readonly PortFact[];
  /** Env var that overrides the service's image. */
  readonly imageEnv: string;
}

export const SERVICES: Readonly<Record<ServiceName, ServiceFact>> = {
  'spark-master': {
    ports: [
      { role: 'ui', containerPort: 8080, env: 'BF_SPARK_UI_PORT', defaultHostPort: 8080 },
      { role: 'master', containerPort: 7077, env: 'BF_SPARK_MASTER_PORT', defaultHostPort: 7077 },
    ],
    imageEnv: 'BF_SPARK_IMAGE',
  },
  'spark-worker': { ports: [], imageEnv: 'BF_SPARK_IMAGE' },
  /** bf's long-lived Spark driver: the Spark Thrift Server (HiveServer2 protocol). */
  'spark-sql': {
    ports: [
      { role: 'thrift', containerPort: 10000, env: 'BF_SPARK_SQL_PORT', defaultHostPort: 10000 },
      // the driver's UI and its /api/v1: bf reads job and stage progress there
      { role: 'ui', containerPort: 4040, env: 'BF_SPARK_SQL_UI_PORT', defaultHostPort: 4040 },
    ],
    imageEnv: 'BF_SPARK_IMAGE',
  },
  kafka: {
    ports: [{ role: 'broker', containerPort: 9092, env: 'BF_KAFKA_PORT', defaultHostPort: 9092 }],
    imageEnv: 'BF_KAFKA_IMAGE',
  },
  s3: {
    ports: [{ role: 'api', containerPort: 9000, env: 'BF_S3_PORT', defaultHostPort: 9000 }],
    imageEnv: 'BF_S3_IMAGE',
  },
  // SeaweedFS's admin UI (`weed admin`, same image as s3): buckets and a file browser over the S3 store, where the
  // original design had the MinIO console. Login: the S3 credentials.
  's3-console': {
    ports: [{ role: 'ui', containerPort: 9001, env: 'BF_S3_CONSOLE_PORT', defaultHostPort: 9001 }],
    imageEnv: 'BF_S3_IMAGE',
  },
  elasticsearch: {
    ports: [{ role: 'http', containerPort: 9200, env: 'BF_ELASTICSEARCH_PORT', defaultHostPort: 9200 }],
    imageEnv: 'BF_ELASTICSEARCH_IMAGE',
  },
  kibana: {
    ports: [{ role: 'http', containerPort: 5601, env: 'BF_KIBANA_PORT', defaultHostPort: 5601 }],
    imageEnv: 'BF_KIBANA_IMAGE',
  },
};

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

/** Host every published port binds to. */
export const STACK_HOST = '127.0.0.1';

/** Host port of a service's role, from its env var or the default. Invalid env values are a config error. */
export function hostPort(service: ServiceName, role: string, env: NodeJS.ProcessEnv = process.env): number {
  const fact = SERVICES[service].ports.find((p) => p.role === role);
  if (!fact) throw new Error(`service ${service} has no port role ${role}`);
  const raw = env[fact.env];
  if (raw === undefined || raw === '') return fact.defaultHostPort;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    throw new RangeError(`${fact.env}=${raw} is not a TCP port (1-65535)`);
  }
  return n;
}

export const S3_BUCKET_ENV = 'BF_S3_BUCKET';
export const S3_DEFAULT_BUCKET = 'bf-lake';
export const S3_ACCESS_KEY_ENV = 'MINIO_ROOT_USER';
export const S3_SECRET_KEY_ENV = 'MINIO_ROOT_PASSWORD';
export const S3_DEFAULT_CREDENTIAL = 'minioadmin';
/** Any region works for a local S3 store; the SDK needs one. */
export const S3_REGION = 'us-east-1';

/**
 * Where the S3 store's serve probe (src/lake/s3.ts) writes its object: outside the lake's tables (`lake/`) and the
 * staging area. Here, not in s3.ts: `bf lake`'s leftovers list needs it, and importing s3.ts loads the AWS SDK
 * (~25 ms of every bf command's start).
 */
export const PROBE_PREFIX = '_bf_probe';

export interface S3Settings {
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function s3Settings(env: NodeJS.ProcessEnv = process.env): S3Settings {
  return {
    bucket: env[S3_BUCKET_ENV] || S3_DEFAULT_BUCKET,
    accessKeyId: env[S3_ACCESS_KEY_ENV] || S3_DEFAULT_CREDENTIAL,
    secretAccessKey: env[S3_SECRET_KEY_ENV] || S3_DEFAULT_CREDENTIAL,
  };
}

/** Topic the Kafka readiness check creates and lists. */
export const KAFKA_READINESS_TOPIC = 'bf-readiness';

export const PROJECT_ENV = 'BF_PROJECT';
export const DEFAULT_PROJECT = 'bf';
export const LOCAL_IMAGES_ENV = 'BF_LOCAL_IMAGES';

/** Repository root (this file is src/config/stack.ts). A bundle that moves this file passes paths explicitly. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COMPOSE_FILE = 'infra/docker-compose.yml';
/** Points at the locally built images and leaves Kibana out. */
export const COMPOSE_LOCAL_FILE = 'infra/compose.local.yml';

/** Compose files for a run: the base file, plus the local override when asked (flag or BF_LOCAL_IMAGES=1). */
export function defaultComposeFiles(
  opts: { local?: boolean; root?: string; env?: NodeJS.ProcessEnv } = {},
): string[] {
  const root = opts.root ?? REPO_ROOT;
  const env = opts.env ?? process.env;
  const local = opts.local ?? env[LOCAL_IMAGES_ENV] === '1';
  const files = [`${root.replace(/\/$/, '')}/${COMPOSE_FILE}`];
  if (local) files.push(`${root.replace(/\/$/, '')}/${COMPOSE_LOCAL_FILE}`);
  return files;
}

/** Project name: explicit, else BF_PROJECT, else `bf`. `unique` gives `bf-<random>` so parallel runs don't collide. */
export function projectName(opts: { name?: string; unique?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  if (opts.name) return opts.name;
  if (opts.unique) return `bf-${Math.random().toString(36).slice(2, 10)}`;
  return (opts.env ?? process.env)[PROJECT_ENV] || DEFAULT_PROJECT;
}

/** Compose project names: lowercase letters, digits, dashes and underscores, starting with a letter or digit. */
export const PROJECT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
