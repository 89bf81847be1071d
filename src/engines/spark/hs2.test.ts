import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../util/net.ts';
import { Hs2ConnectionError, openHs2Session } from './hs2.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('openHs2Session', () => {
  it('names the address when nothing listens there', async () => {
    const port = await freePort();
    const err = await openHs2Session({ host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Hs2ConnectionError);
    expect((err as Error).message).toContain(
      `cannot connect to the Spark Thrift Server at 127.0.0.1:${port}`,
    );
  });

  it('rejects with a connection error when the server drops the connection during the handshake', async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const err = await openHs2Session({ host: '127.0.0.1', port, connectTimeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Hs2ConnectionError);
  });
});
