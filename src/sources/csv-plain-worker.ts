import { parentPort, workerData } from 'node:worker_threads';
import type { DateRange } from '../domain/bar.ts';
import { batchBuffers, type PlainFile, parsePlainBatches } from './csv-plain-batches.ts';

/**
 * The worker thread of a CSV load (src/engines/duckdb/csv-plain.ts): reads and parses the files into batches and
 * posts them in order, their columns transferred; then posts null. At most `credits` batches are in flight: the
 * main thread sends one message back per batch it has handed to DuckDB, so a slow append bounds the memory here.
 */
export interface PlainWorkerData {
  files: PlainFile[];
  range: DateRange;
  credits: number;
  batchRows: number | undefined;
}

const port = parentPort!;
const { files, range, credits: initial, batchRows } = workerData as PlainWorkerData;
let credits = initial;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});
await parsePlainBatches(
  files,
  range,
  async (batch) => {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    port.postMessage(batch, batchBuffers(batch));
  },
  batchRows,
);
port.postMessage(null);
port.close();
