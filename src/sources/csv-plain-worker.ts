import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { DateRange } from '../domain/bar.ts';
import { batchBuffers, type PlainBatch, type PlainFile, parsePlainBatches } from './csv-plain-batches.ts';

/**
 * The worker thread of a CSV load (src/engines/duckdb/csv-plain.ts): reads and parses the files into batches and
 * posts them in order on `port`, their columns transferred, each followed by a bump of `posted` (the main thread
 * takes them synchronously, from inside DuckDB's scan); then null, or `{ error }` if the parse failed. At most
 * `credits` batches are in flight: the main thread sends one message back (on the worker's own port) per batch it
 * has taken, so a slow write bounds the memory here.
 */
export interface PlainWorkerData {
  files: PlainFile[];
  range: DateRange;
  credits: number;
  batchRows: number | undefined;
  port: MessagePort;
  posted: Int32Array;
}

/** What the worker posts on its port. */
export type PlainWorkerMessage = PlainBatch | null | { error: string };

const { files, range, credits: initial, batchRows, port, posted } = workerData as PlainWorkerData;
const post = (m: PlainWorkerMessage, transfer: ArrayBuffer[] = []) => {
  port.postMessage(m, transfer);
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
};
let credits = initial;
let wake: (() => void) | null = null;
parentPort!.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});
try {
  await parsePlainBatches(
    files,
    range,
    async (batch) => {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      post(batch, batchBuffers(batch));
    },
    batchRows,
    // Read on this thread: while DuckDB's scan waits for a batch, the statement holds one of libuv's threads and the
    // main thread sleeps, so reads queued on the pool could wait for ever (with UV_THREADPOOL_SIZE=1, they did).
    true,
  );
  post(null);
} catch (err) {
  post({ error: err instanceof Error ? err.message : String(err) });
}
port.close();
parentPort!.close();
