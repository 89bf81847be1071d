import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerState } from '../compose.ts';
import { aliveWorkers, composeHealthCheck, kibanaCheck, sharedPs } from './checks.ts';

const container = (over: Partial<ContainerState>): ContainerState => ({
  id: 'abc',
  name: 'bf-elasticsearch-1',
  service: 'elasticsearch',
  state: 'running',
  health: 'healthy',
  status: '',
  exitCode: 0,
  publishers: [],
  ...over,
});

describe('composeHealthCheck', () => {
  const probe = (cs: ContainerState[], hasHealthcheck = true) =>
    composeHealthCheck('elasticsearch', async () => cs, hasHealthcheck).probe();
  it('is ready when running and healthy', async () =>
    expect(await probe([container({})])).toMatchObject({ ok: true }));
  it('waits while starting', async () =>
    expect(await probe([container({ health: 'starting' })])).toEqual({
      ok: false,
      detail: 'health starting',
    }));
  it('waits when no container exists yet', async () => expect((await probe([])).ok).toBe(false));
  it('gives up at once when the container exited', async () =>
    expect(await probe([container({ state: 'exited', exitCode: 137 })])).toMatchObject({
      ok: false,
      fatal: true,
      detail: 'container bf-elasticsearch-1 exited (exit code 137)',
    }));
  it('needs only running without a healthcheck', async () =>
    expect(await probe([container({ health: '' })], false)).toMatchObject({ ok: true, detail: 'running' }));
});

describe('aliveWorkers', () => {
  it('reads aliveworkers, else counts ALIVE workers', () => {
    expect(aliveWorkers({ aliveworkers: 2 })).toBe(2);
    expect(aliveWorkers({ workers: [{ state: 'ALIVE' }, { state: 'DEAD' }] })).toBe(1);
  });
});

describe('sharedPs', () => {
  it('runs one ps for concurrent callers and retries after a failure', async () => {
    let calls = 0;
    const ps = sharedPs(async () => {
      calls++;
      if (calls === 1) throw new Error('daemon hiccup');
      return [];
    }, 10_000);
    await expect(Promise.all([ps(), ps()])).rejects.toThrow('daemon hiccup');
    expect(calls).toBe(1);
    await ps();
    await ps();
    expect(calls).toBe(2);
  });
});

describe('kibanaCheck', () => {
  // Kibana cannot run here: a local peer answers /api/status in Kibana 9's shape (status.overall.level/summary).
  let server: Server | undefined;
  afterEach(() => server?.close());
  async function status(code: number, level: string): Promise<string> {
    server = createServer((_req, res) =>
      res.writeHead(code, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          name: 'kibana',
          status: { overall: { level, summary: `${level} summary` }, core: {} },
        }),
      ),
    );
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('available is ready', async () => {
    expect(await kibanaCheck('kibana', await status(200, 'available')).probe()).toEqual({
      ok: true,
      detail: 'HTTP 200, overall available (available summary)',
    });
  });
  it('degraded is ready with a warning naming the summary', async () => {
    expect(await kibanaCheck('kibana', await status(200, 'degraded')).probe()).toMatchObject({
      ok: true,
      warning: 'kibana reports degraded, continuing: degraded summary',
    });
  });
  it('unavailable (HTTP 503) is not ready', async () => {
    expect((await kibanaCheck('kibana', await status(503, 'unavailable')).probe()).ok).toBe(false);
  });
});
