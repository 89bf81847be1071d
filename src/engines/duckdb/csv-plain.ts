import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DOUBLE, type DuckDBConnection, DuckDBDataChunk, INTEGER } from '@duckdb/node-api';
import type { DateRange } from '../../domain/bar.ts';
import type { PlainCsvCounts } from '../../sources/csv-columns.ts';
import {
  CHUNK_ROWS,
  type PlainBatch,
  type PlainFile,
  parsePlainBatches,
} from '../../sources/csv-plain-batches.ts';
import type { PlainWorkerData } from '../../sources/csv-plain-worker.ts';

/**
 * Plain CSV files (src/sources/csv-columns.ts) read in JavaScript and handed to DuckDB in column chunks: for such
 * files the SQL path's per-line string work (split, trim, casts, checks) is most of a load's cost, and a byte loop
 * over the same lines costs a fraction of it. The rows go into `csv_plain(file_id, days, open, high, low, close,
 * adj_close, volume)` in the order the files are given, each file's rows in date order, so the table is in
 * (file_id, date) order as appended.
 *
 * Reading and parsing (src/sources/csv-plain-batches.ts) run on a worker thread while this thread appends the
 * previous batch: the two halves cost about the same, and the appender must stay on the connection's thread.
 */

export const PLAIN_TABLE = 'csv_plain';

export type { PlainFile } from '../../sources/csv-plain-batches.ts';

const TYPES = [INTEGER, INTEGER, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE];

/** Below this many files a worker's start (~50 ms) costs more than the parse it would take off this thread. */
const WORKER_MIN_FILES = 32;
/** Batches parsed ahead of the appender (each ~3.4 MB of columns). */
const BATCHES_AHEAD = 4;
/**
 * The worker's module: the source, or beside this code in the CLI's bundle (dist/cli/, where scripts/build-dist.mjs
 * makes it an entry point of its own). Absent in the Action's bundle (dist/), which then parses on this thread:
 * same rows, same order, one core.
 */
const WORKER_URL =
  [
    new URL('../../sources/csv-plain-worker.ts', import.meta.url),
    new URL('./csv-plain-worker.js', import.meta.url),
  ].find((u) => existsSync(fileURLToPath(u))) ?? null;

/** What the plain reader made of the files, in the order given. */
export interface PlainLoad {
  /** Per file its counts, or null for a file that is not plain (its rows are not in the table: SQL reads it). */
  counts: (PlainCsvCounts | null)[];
  /**
   * Per file declined, whether its dates still ascend (src/sources/csv.ts `datesAscending` on the bytes in hand):
   * the SQL path then skips its repeated-date check. A plain file proves that itself, so the byte pass runs only
   * on the files the plain reader declines.
   */
  ascending: boolean[];
}

/** How a load parses: the table is the same whatever they are (src/engines/duckdb/csv-plain.test.ts). */
export interface PlainLoadOptions {
  /** Parse on a worker thread. Default: with WORKER_MIN_FILES files or more, when the worker's module is there. */
  worker?: boolean;
  /** Rows per batch (tests cut files across batches with small ones). */
  batchRows?: number;
}

/** Reads `files` (in the order given, ids ascending) into `csv_plain`. */
export async function loadPlainCsvFiles(
  conn: DuckDBConnection,
  files: readonly PlainFile[],
  range: DateRange,
  opts: PlainLoadOptions = {},
): Promise<PlainLoad> {
  const worker = opts.worker ?? (files.length >= WORKER_MIN_FILES && WORKER_URL !== null);
  await conn.run(`CREATE OR REPLACE TABLE ${PLAIN_TABLE} (file_id INTEGER, days INTEGER, open DOUBLE, high DOUBLE,
    low DOUBLE, close DOUBLE, adj_close DOUBLE, volume DOUBLE)`);
  // The appender's rows go in through an insert that DuckDB runs in parallel, out of order, unless insertion order
  // is preserved: the table must be in (file_id, date) order for the write to need no sort.
  const preserved = (
    await conn.runAndReadAll("SELECT current_setting('preserve_insertion_order')")
  ).getRowsJS()[0]![0];
  await conn.run('SET preserve_insertion_order = true');
  const appender = await conn.createAppender(PLAIN_TABLE);
  const chunk = DuckDBDataChunk.create(TYPES);
  const load: PlainLoad = { counts: [], ascending: [] };
  const take = (batch: PlainBatch) => {
    appendBatch(appender, chunk, batch);
    for (const f of batch.files) {
      load.counts.push(f.counts);
      load.ascending.push(f.ascending);
    }
  };
  try {
    if (worker) await parseOnWorker(files, range, opts.batchRows, take);
    else await parsePlainBatches(files, range, async (batch) => take(batch), opts.batchRows);
    appender.flushSync();
  } finally {
    appender.closeSync();
    await conn.run(`SET preserve_insertion_order = ${preserved === true}`);
  }
  return load;
}

/** Runs parsePlainBatches on a worker thread, giving each batch to `take` here, in order. */
function parseOnWorker(
  files: readonly PlainFile[],
  range: DateRange,
  batchRows: number | undefined,
  take: (batch: PlainBatch) => void,
): Promise<void> {
  if (WORKER_URL === null) return Promise.reject(new Error('the CSV parse worker module is not installed'));
  const data: PlainWorkerData = { files: [...files], range, credits: BATCHES_AHEAD, batchRows };
  const w = new Worker(WORKER_URL, { workerData: data });
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    const fail = (err: unknown) => {
      if (finished) return;
      finished = true;
      void w.terminate();
      reject(err);
    };
    w.on('message', (batch: PlainBatch | null) => {
      if (finished) return;
      if (batch === null) {
        finished = true;
        resolve();
        return;
      }
      try {
        take(batch);
        w.postMessage(1);
      } catch (err) {
        fail(err);
      }
    });
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the CSV parse worker exited with code ${code} before its end`)));
  });
}

/** Appends a batch's rows in chunks of CHUNK_ROWS (its last chunk may be shorter). */
function appendBatch(
  appender: { appendDataChunk(c: DuckDBDataChunk): void },
  chunk: DuckDBDataChunk,
  b: PlainBatch,
): void {
  let seg = 0;
  const values = [b.open, b.high, b.low, b.close, b.adjClose, b.volume];
  for (let start = 0; start < b.length; start += CHUNK_ROWS) {
    const size = Math.min(CHUNK_ROWS, b.length - start);
    // One chunk reused: creating one per 2,048 rows costs about as much as filling it.
    chunk.reset();
    chunk.rowCount = size;
    // The columns' items written in bulk (a reset chunk is all valid), not a setItem per row: ~27 M calls fewer at
    // 3,000 × 20 years.
    const id = chunk.getColumnVector(0);
    const ids = (id as unknown as { items: Int32Array }).items;
    for (let r = 0; r < size; ) {
      while (b.ends[seg]! <= start + r) seg++;
      const to = Math.min(size, b.ends[seg]! - start);
      ids.fill(b.ids[seg]!, r, to);
      r = to;
    }
    id.flush();
    const days = chunk.getColumnVector(1);
    (days as unknown as { items: Int32Array }).items.set(b.date.subarray(start, start + size));
    days.flush();
    for (let c = 0; c < values.length; c++) {
      const v = chunk.getColumnVector(c + 2);
      const a = values[c]!.subarray(start, start + size);
      (v as unknown as { items: Float64Array }).items.set(a);
      for (let r = 0; r < size; r++) {
        // NaN marks a null cell (csv-columns.ts NULL_VALUE).
        if (Number.isNaN(a[r])) v.setItem(r, null);
      }
      v.flush();
    }
    appender.appendDataChunk(chunk);
  }
}
