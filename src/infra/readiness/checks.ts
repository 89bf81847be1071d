import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Admin } from '@platformatic/kafka';
import { request } from 'undici';
import { KAFKA_READINESS_TOPIC, S3_REGION, type S3Settings } from '../../config/stack.ts';
import { openHs2Session } from '../../engines/spark/hs2.ts';
import { serveProbe } from '../../lake/s3.ts';
import type { ContainerState } from '../compose.ts';
import { DAEMON_UNREACHABLE } from '../daemon.ts';
import { S3ConsoleSession } from '../s3-console.ts';
import type { ProbeResult, ReadinessCheck } from './types.ts';

export { type SharedPs, sharedPs } from './shared-ps.ts';

/** Each probe attempt is cut off after this long, so one hung connection cannot eat the deadline. */
export const PROBE_TIMEOUT_MS = 3000;

/** Compose health: the service's container is running and, when it has a healthcheck, healthy. */
export function composeHealthCheck(
  service: string,
  ps: () => Promise<ContainerState[]>,
  hasHealthcheck: boolean,
): ReadinessCheck {
  return {
    service,
    name: hasHealthcheck ? 'compose health = healthy' : 'container running',
    async probe(): Promise<ProbeResult> {
      let all: ContainerState[];
      try {
        all = await ps();
      } catch (e) {
        // The engine itself is gone: no container of the stack can become ready, so waiting on is pointless.
        const text = e instanceof Error ? e.message : String(e);
        if (!DAEMON_UNREACHABLE.test(text)) throw e;
        const said =
          text
            .split('\n')
            .find((l) => DAEMON_UNREACHABLE.test(l))
            ?.trim() ?? text;
        return { ok: false, fatal: true, detail: `the Docker daemon is unreachable (${said})` };
      }
      const containers = all.filter((c) => c.service === service);
      if (!containers.length) return { ok: false, detail: 'no container yet' };
      for (const c of containers) {
        if (c.state === 'exited' || c.state === 'dead') {
          return {
            ok: false,
            fatal: true,
            detail: `container ${c.name} ${c.state} (exit code ${c.exitCode})`,
          };
        }
        if (c.state !== 'running') return { ok: false, detail: `container ${c.state}` };
        if (hasHealthcheck && c.health !== 'healthy')
          return { ok: false, detail: `health ${c.health || 'unknown'}` };
      }
      return { ok: true, detail: hasHealthcheck ? 'healthy' : 'running' };
    },
  };
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await request(url, {
    headersTimeout: PROBE_TIMEOUT_MS,
    bodyTimeout: PROBE_TIMEOUT_MS,
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text for the detail
  }
  return { status: res.statusCode, body };
}

/** Spark master's JSON endpoint (`/json/` on the UI port) in standalone mode. */
interface SparkMasterJson {
  status?: string;
  aliveworkers?: number;
  workers?: { state?: string }[];
}

export function aliveWorkers(j: SparkMasterJson): number {
  return j.aliveworkers ?? (j.workers ?? []).filter((w) => w.state === 'ALIVE').length;
}

/** The master is ALIVE and has at least `minWorkers` ALIVE workers. */
export function sparkWorkersCheck(service: string, uiUrl: string, minWorkers = 1): ReadinessCheck {
  return {
    service,
    name: minWorkers > 0 ? `spark master reports >= ${minWorkers} alive worker` : 'spark master alive',
    async probe() {
      const { status, body } = await getJson(`${uiUrl}/json/`);
      if (status !== 200 || typeof body !== 'object' || body === null) {
        return { ok: false, detail: `GET /json/ answered ${status}` };
      }
      const j = body as SparkMasterJson;
      const alive = aliveWorkers(j);
      const ok = j.status === 'ALIVE' && alive >= minWorkers;
      return { ok, detail: `master ${j.status ?? 'unknown'}, ${alive} alive worker(s)` };
    },
  };
}

/** The Spark Thrift Server opens a session and runs `SELECT 1` on the cluster (its executors are up). */
export function sparkSqlCheck(service: string, host: string, port: number): ReadinessCheck {
  return {
    service,
    name: 'thrift server answers SELECT 1',
    async probe() {
      const session = await openHs2Session({ host, port, connectTimeoutMs: PROBE_TIMEOUT_MS });
      try {
        const rows = await session.query('SELECT 1 AS one');
        return { ok: rows[0]?.one === 1, detail: `SELECT 1 returned ${JSON.stringify(rows)}` };
      } finally {
        await session.close();
      }
    },
  };
}

const ES_OK = new Set(['green', 'yellow']);

export function elasticsearchCheck(service: string, url: string): ReadinessCheck {
  return {
    service,
    name: 'cluster health >= yellow',
    async probe() {
      const { status, body } = await getJson(`${url}/_cluster/health`);
      const health = (body as { status?: string } | null)?.status;
      return {
        ok: status === 200 && ES_OK.has(health ?? ''),
        detail: `HTTP ${status}, status ${health ?? 'unknown'}`,
      };
    },
  };
}

/**
 * Kibana 8/9 `/api/status`: overall level `available`, or `degraded` (a busy Kibana, e.g. a slow plugin, still
 * serves the API and imports saved objects), which passes with a warning naming Kibana's summary.
 */
export function kibanaCheck(service: string, url: string): ReadinessCheck {
  return {
    service,
    name: 'kibana /api/status available or degraded',
    async probe() {
      const { status, body } = await getJson(`${url}/api/status`);
      const overall = (body as { status?: { overall?: { level?: string; summary?: string } } } | null)?.status
        ?.overall;
      const level = overall?.level;
      const detail = `HTTP ${status}, overall ${level ?? 'unknown'}${overall?.summary ? ` (${overall.summary})` : ''}`;
      if (status === 200 && level === 'degraded') {
        return {
          ok: true,
          detail,
          warning: `kibana reports degraded, continuing: ${overall?.summary ?? 'no summary'}`,
        };
      }
      return { ok: status === 200 && level === 'available', detail };
    },
  };
}

/**
 * The S3 console (SeaweedFS admin UI) logs in with the S3 credentials and lists the lake's bucket: the UI is served
 * and reaches the store behind it (its own /health answers even when it cannot).
 */
export function s3ConsoleCheck(service: string, url: string, settings: S3Settings): ReadinessCheck {
  return {
    service,
    name: `login + bucket ${settings.bucket} listed`,
    async probe() {
      const session = await S3ConsoleSession.login(
        url,
        settings.accessKeyId,
        settings.secretAccessKey,
        PROBE_TIMEOUT_MS,
      );
      const buckets = await session.buckets(PROBE_TIMEOUT_MS);
      return {
        ok: buckets.includes(settings.bucket),
        detail: `logged in; buckets: ${buckets.join(', ') || 'none'}`,
      };
    },
  };
}

/** Kafka answers metadata and can create and list a topic (a broker that lists but cannot create is not ready). */
export function kafkaCheck(
  service: string,
  bootstrap: string,
  topic = KAFKA_READINESS_TOPIC,
): ReadinessCheck {
  return {
    service,
    name: `metadata + create/list topic ${topic}`,
    async probe() {
      const admin = new Admin({
        clientId: 'bf-readiness',
        bootstrapBrokers: [bootstrap],
        retries: 0,
        timeout: PROBE_TIMEOUT_MS,
      });
      try {
        const before = await admin.listTopics();
        if (!before.includes(topic))
          await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
        const after = await admin.listTopics();
        return after.includes(topic)
          ? { ok: true, detail: `${after.length} topic(s), ${topic} listed` }
          : { ok: false, detail: `${topic} created but not listed yet` };
      } finally {
        await admin.close().catch(() => {});
      }
    },
  };
}

export function s3Client(endpoint: string, settings: S3Settings): S3Client {
  return new S3Client({
    endpoint,
    region: S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    maxAttempts: 1,
    // throwOnRequestTimeout: without it the SDK only warns and the request hangs on (a store just restarted
    // accepts connections and answers nothing for a while).
    requestHandler: {
      connectionTimeout: PROBE_TIMEOUT_MS,
      requestTimeout: PROBE_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * The lake bucket exists (created when missing: the S3 store starts empty) and the store serves objects: a probe
 * object written and read back (serveProbe). A bucket that answers is not enough: after a restart SeaweedFS answers
 * bucket requests well before it can read a stored object, and a job started then fails reading its data files.
 */
export function s3BucketCheck(service: string, endpoint: string, settings: S3Settings): ReadinessCheck {
  return {
    service,
    name: `bucket ${settings.bucket} exists, an object written and read back`,
    async probe() {
      const s3 = s3Client(endpoint, settings);
      try {
        let detail = `bucket ${settings.bucket} exists`;
        try {
          await s3.send(new HeadBucketCommand({ Bucket: settings.bucket }));
        } catch (e) {
          const code = (e as { name?: string; $metadata?: { httpStatusCode?: number } }) ?? {};
          if (code.name !== 'NotFound' && code.$metadata?.httpStatusCode !== 404) throw e;
          await s3.send(new CreateBucketCommand({ Bucket: settings.bucket }));
          await s3.send(new HeadBucketCommand({ Bucket: settings.bucket }));
          detail = `bucket ${settings.bucket} created`;
        }
        await serveProbe(s3, settings.bucket, PROBE_TIMEOUT_MS);
        return { ok: true, detail: `${detail}; a probe object written and read back` };
      } finally {
        s3.destroy();
      }
    },
  };
}
