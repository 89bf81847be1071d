import { describe, expect, it } from 'vitest';
import { publishConfig } from '../config/publish.ts';
import { publishSignals } from '../publish/producer.ts';
import { BfError } from '../util/errors.ts';
import { silentLogger } from '../util/log.ts';
import { freePort } from '../util/net.ts';
import { publishStage } from './publish-stage.ts';

// Services that are down: nothing listens on a port that was just free. The errors must name the stage and the
// service and say what to do; they come fast (no minute-long hang on a dead broker).
const event = { date: '2024-01-02', signal: 'zweig_breadth_thrust' as const, value: 0.7 };

describe('publishing when a service is unreachable', () => {
  it('names Kafka and the publish step when the broker is down', async () => {
    const cfg = publishConfig({ ...process.env, BF_KAFKA_PORT: String(await freePort()) });
    const t0 = Date.now();
    const err = await publishSignals(
      { events: [event], series: [], context: { symbolList: 't', synthetic: true, engine: 'duckdb' } },
      cfg,
      silentLogger,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BfError);
    expect((err as BfError).message).toMatch(/^publish: kafka at 127\.0\.0\.1:\d+ failed/);
    expect((err as BfError).hint).toMatch(/bf infra logs kafka/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('names Elasticsearch when the index cannot be read before publishing', async () => {
    const env = { ...process.env, BF_ELASTICSEARCH_PORT: String(await freePort()) };
    const err = await publishStage(
      { events: [event], series: [], symbolList: 't', synthetic: true, engine: 'duckdb', source: 'sample' },
      { env, log: silentLogger },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BfError);
    expect((err as BfError).message).toMatch(/elasticsearch/i);
    expect((err as BfError).message).toMatch(/127\.0\.0\.1:\d+/);
  });

  it("attaches the named service's last log lines when the stack is known", async () => {
    const env = { ...process.env, BF_ELASTICSEARCH_PORT: String(await freePort()) };
    const asked: string[] = [];
    const err = await publishStage(
      { events: [event], series: [], symbolList: 't', synthetic: true, engine: 'duckdb', source: 'sample' },
      {
        env,
        log: silentLogger,
        serviceLogs: async (service, lines) => {
          asked.push(`${service}:${lines}`);
          return ['es-1 | [WARN] low disk watermark', 'es-1 | [ERROR] shard failed'];
        },
      },
    ).catch((e: unknown) => e);
    expect(asked).toEqual(['elasticsearch:20']);
    expect((err as BfError).message).toMatch(/--- elasticsearch: last 2 log lines ---\nes-1 \| \[WARN\]/);
    expect((err as BfError).hint).toMatch(/bf infra logs elasticsearch/);
  });
});
