import { describe, expect, it } from 'vitest';
import { composeError, parseConfig, parseDockerPs, parsePs, withDependencies } from './compose.ts';
import { ExecError } from './exec.ts';

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

describe('parseDockerPs', () => {
  const line = (o: Record<string, string>) => JSON.stringify(o);
  const labels = (service: string, oneoff = 'False') =>
    `com.docker.compose.project=bf,com.docker.compose.service=${service},com.docker.compose.oneoff=${oneoff},x=a=b`;
  it('reads service, health, exit code and ports; skips one-off containers', () => {
    const out = parseDockerPs(
      [
        line({
          ID: 'a1',
          Names: 'bf-elasticsearch-1',
          State: 'running',
          Status: 'Up 2 minutes (health: starting)',
          Labels: labels('elasticsearch'),
          Ports: '127.0.0.1:9200->9200/tcp, 9300/tcp',
        }),
        line({
          ID: 'b2',
          Names: 'bf-kafka-1',
          State: 'exited',
          Status: 'Exited (137) 3 seconds ago',
          Labels: labels('kafka'),
          Ports: '',
        }),
        line({
          ID: 'c3',
          Names: 'bf-kafka-run-1',
          State: 'running',
          Status: 'Up 1 second',
          Labels: labels('kafka', 'True'),
          Ports: '',
        }),
      ].join('\n'),
    );
    expect(out).toEqual([
      {
        id: 'a1',
        name: 'bf-elasticsearch-1',
        service: 'elasticsearch',
        state: 'running',
        health: 'starting',
        status: 'Up 2 minutes (health: starting)',
        exitCode: 0,
        publishers: [
          { url: '127.0.0.1', publishedPort: 9200, targetPort: 9200, protocol: 'tcp' },
          { url: '', publishedPort: 0, targetPort: 9300, protocol: 'tcp' },
        ],
      },
      {
        id: 'b2',
        name: 'bf-kafka-1',
        service: 'kafka',
        state: 'exited',
        health: '',
        status: 'Exited (137) 3 seconds ago',
        exitCode: 137,
        publishers: [],
      },
    ]);
  });
});

describe('composeError', () => {
  const failed = (stderr: string) =>
    new ExecError({ command: 'docker compose ps', exitCode: 1, stdout: '', stderr });
  it('names an unreachable daemon and what to do, not the containers', () => {
    const err = composeError(
      failed(
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      ),
      'docker compose ps (project bf)',
    );
    expect(err.message).toBe(
      'the Docker daemon is unreachable, so docker compose ps (project bf) could not run: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    );
    expect(err.hint).toMatch(/docker info.*systemctl start docker.*provision-docker\.sh/);
  });
  it('keeps any other failure as the command said it, pointing at status and logs', () => {
    const err = composeError(failed('service "kafka" has no image\n'), 'docker compose up');
    expect(err.message).toBe('docker compose up failed (exit 1): service "kafka" has no image');
    expect(err.hint).toMatch(/bf infra status/);
  });
  it('a missing CLI is named as such', () => {
    const err = composeError(
      new ExecError({ command: 'docker', exitCode: -1, stdout: '', stderr: '', notFound: true }),
      'docker compose ps',
    );
    expect(err.message).toBe('docker CLI not found on PATH');
  });
});
