import { describe, expect, it } from 'vitest';
import { parseConfig, parsePs, withDependencies } from './compose.ts';

const entry = {
  ID: 'c1',
  Name: 'bf-kafka-1',
  Service: 'kafka',
  State: 'running',
  Health: 'healthy',
  Status: 'Up 2 minutes (healthy)',
  ExitCode: 0,
  Publishers: [{ URL: '127.0.0.1', TargetPort: 9092, PublishedPort: 9092, Protocol: 'tcp' }],
};

describe('parsePs', () => {
  it('reads NDJSON (compose >= 2.21)', () => {
    const out = parsePs(
      `${JSON.stringify(entry)}\n${JSON.stringify({ ...entry, ID: 'c2', Service: 's3' })}\n`,
    );
    expect(out.map((c) => c.service)).toEqual(['kafka', 's3']);
    expect(out[0]!.publishers).toEqual([
      { url: '127.0.0.1', targetPort: 9092, publishedPort: 9092, protocol: 'tcp' },
    ]);
  });
  it('reads a JSON array (older compose)', () => {
    expect(parsePs(JSON.stringify([entry]))[0]).toMatchObject({
      id: 'c1',
      state: 'running',
      health: 'healthy',
    });
  });
  it('reads empty output as no containers', () => expect(parsePs('\n')).toEqual([]));
  it('tolerates missing Health and null Publishers', () => {
    const { Health: _h, ...noHealth } = entry;
    expect(parsePs(JSON.stringify({ ...noHealth, Publishers: null }))[0]).toMatchObject({
      health: '',
      publishers: [],
    });
  });
});

describe('parseConfig', () => {
  const cfg = parseConfig(
    JSON.stringify({
      services: {
        'spark-worker': { depends_on: { 'spark-master': { condition: 'service_healthy' } } },
        'spark-master': {
          healthcheck: { test: ['CMD', 'true'] },
          ports: [{ host_ip: '127.0.0.1', target: 8080, published: '18080' }],
        },
        kafka: { healthcheck: { disable: true }, ports: [{ target: 9092, published: '9092' }] },
      },
    }),
  );
  it('lists services, published ports and healthchecks', () => {
    expect(cfg.services).toEqual(['kafka', 'spark-master', 'spark-worker']);
    expect(cfg.ports).toEqual([
      { service: 'spark-master', hostIp: '127.0.0.1', target: 8080, published: 18080 },
      { service: 'kafka', hostIp: '0.0.0.0', target: 9092, published: 9092 },
    ]);
    expect(cfg.withHealthcheck).toEqual(['spark-master']);
  });
  it('follows depends_on', () =>
    expect(withDependencies(cfg, ['spark-worker'])).toEqual(['spark-master', 'spark-worker']));
});
