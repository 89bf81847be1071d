import { createServer, request, type Server } from 'node:http';

/**
 * A plain HTTP relay in front of the real Elasticsearch, for crash tests: every request is forwarded as is and
 * every answer returned as is, except the `_bulk` request chosen by `holdBulk`. That one is forwarded to ES,
 * ES indexes it and answers, and then — with ES's acknowledgement in hand and before the client sees it —
 * `onAcknowledged` runs (a test SIGKILLs the client there) and the client's connection is dropped unanswered.
 * So the crash lands exactly between "ES acknowledged the batch" and anything the client does next (its Kafka
 * offset commit), seen from ES's side of the wire, with no hook in the client.
 */

export interface BulkSeen {
  /** 1-based number of the `_bulk` request. */
  number: number;
  /** Index/create/delete operations in the request body. */
  operations: number;
  /** ES's HTTP status and its `errors` flag. */
  status: number;
  errors: boolean;
}

export interface EsProxy {
  url: string;
  port: number;
  /** Every `_bulk` request ES answered, in order (the held one included). */
  bulks: BulkSeen[];
  close(): Promise<void>;
}

/** Action lines of a `_bulk` NDJSON body (each index/create/update/delete action line starts an operation). */
function countOperations(body: string): number {
  let n = 0;
  for (const line of body.split('\n')) {
    if (/^\{\s*"(index|create|update|delete)"\s*:/.test(line)) n++;
  }
  return n;
}

export async function startEsProxy(opts: {
  target: string;
  /** Which `_bulk` request to hold (1-based). */
  holdBulk: number;
  onAcknowledged: (bulk: BulkSeen) => void | Promise<void>;
}): Promise<EsProxy> {
  const target = new URL(opts.target);
  const bulks: BulkSeen[] = [];
  let bulkCount = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isBulk = req.method === 'POST' && /(^|\/)_bulk(\?|$)/.test(req.url ?? '');
      const number = isBulk ? ++bulkCount : 0;
      const headers = { ...req.headers, host: target.host };
      const up = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (upRes) => {
          const out: Buffer[] = [];
          upRes.on('data', (c: Buffer) => out.push(c));
          upRes.on('end', async () => {
            const answer = Buffer.concat(out);
            if (isBulk) {
              let errors = true;
              try {
                errors = Boolean((JSON.parse(answer.toString('utf8')) as { errors?: boolean }).errors);
              } catch {
                // not JSON: counted as errors
              }
              const seen: BulkSeen = {
                number,
                operations: countOperations(body.toString('utf8')),
                status: upRes.statusCode ?? 0,
                errors,
              };
              bulks.push(seen);
              if (number === opts.holdBulk) {
                await opts.onAcknowledged(seen);
                req.socket.destroy();
                return;
              }
            }
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(answer);
          });
        },
      );
      up.on('error', () => req.socket.destroy());
      up.end(body);
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    bulks,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
