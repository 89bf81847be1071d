import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  DATE,
  DOUBLE,
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBTableFunction,
  INTEGER,
} from '@duckdb/node-api';
import type { DateRange } from '../../domain/bar.ts';
import {
  CHUNK_ROWS,
  type PlainBatch,
  type PlainFile,
  type PlainFileResult,
  parsePlainBatches,
} from '../../sources/csv-plain-batches.ts';
import type { PlainWorkerData, PlainWorkerMessage } from '../../sources/csv-plain-worker.ts';
import { holdExitDuring } from '../../util/exit-hold.ts';
import { literal, PARQUET_WRITE } from './sql-util.ts';

/**
 * Plain CSV files (src/sources/csv-columns.ts) read in JavaScript and written by DuckDB straight to a Parquet file
 * of the `prices` columns, in the order the files are given, each file's rows in date order: for such files the SQL
 * path's per-line string work (split, trim, casts, checks) is most of a load's cost, and a byte loop over the same
 * lines costs a fraction of it.
 *
 * The rows go in through a table function (PLAIN_SCAN) that fills each 2,048-row chunk from the parsed columns, so
 * no table holds them: the parse (src/sources/csv-plain-batches.ts, on a worker thread) runs while DuckDB encodes
 * the previous batches, and nothing past a few batches is in memory. Appending into a table first cost ~3 s of CPU
 * at 3,000 × 20 years (DuckDB's per-value statistics and row-group compression on insert) and past a 1 GB
 * memory_limit spilled. The scan is single-threaded and insertion order kept, so the file is in (file id, date)
 * order: when the fetch writes these rows and nothing else, the file becomes the lake's `prices` file as it is.
 */

/** The table function's name (registered once per connection). */
const PLAIN_SCAN = 'bf_csv_plain_scan';

export type { PlainFile } from '../../sources/csv-plain-batches.ts';

/** Below this many files a worker's start (~50 ms) costs more than the parse it would take off this thread. */
const WORKER_MIN_FILES = 32;
/** Batches parsed ahead of the scan (each ~3.4 MB of columns). */
const BATCHES_AHEAD = 4;
/**
 * The worker's module: the source, or beside this code in the CLI's bundle (dist/cli/, where scripts/build-dist.mjs
 * makes it an entry point of its own). Absent in the Action's bundle (dist/), which then parses on this thread
 * before the write: same rows, same order, one core, the parsed columns in memory meanwhile.
 */
const WORKER_URL =
  [
    new URL('../../sources/csv-plain-worker.ts', import.meta.url),
    new URL('./csv-plain-worker.js', import.meta.url),
  ].find((u) => existsSync(fileURLToPath(u))) ?? null;

/** What the plain reader made of the files. */
export interface PlainLoad {
  /**
   * Per file, in the order given: its counts (null for a file that is not plain: its rows are not in the file, SQL
   * reads it), or why it cannot be used; for a file declined, whether its dates ascend and its layout.
   */
  files: PlainFileResult[];
  /** Rows written to the Parquet file. */
  rows: number;
}

/** How a load parses: the file is the same whatever they are (src/engines/duckdb/csv-plain.test.ts). */
export interface PlainLoadOptions {
  /** Parse on a worker thread. Default: with WORKER_MIN_FILES files or more, when the worker's module is there. */
  worker?: boolean;
  /** Rows per batch (tests cut files across batches with small ones). */
  batchRows?: number;
}

/** One file to read, with the symbol its rows carry. */
export interface PlainSymbolFile {
  path: string;
  symbol: string;
}

/**
 * Reads `files` once each, checks their bytes (src/sources/csv.ts `checkCsvBytes`) and writes the plain ones' rows in
 * range to the Parquet file `out` as the `prices` columns (symbol, date, open, high, low, close, adj_close, volume),
 * in the order given, each file's rows in date order.
 */
export async function loadPlainCsvFiles(
  conn: DuckDBConnection,
  given: readonly PlainSymbolFile[],
  range: DateRange,
  out: string,
  opts: PlainLoadOptions = {},
): Promise<PlainLoad> {
  // A file's id is its place here: the symbol list below is indexed by it.
  const files: PlainFile[] = given.map((f, id) => ({ id, path: f.path }));
  const worker = opts.worker ?? (files.length >= WORKER_MIN_FILES && WORKER_URL !== null);
  const load: PlainLoad = { files: [], rows: 0 };
  const take = (batch: PlainBatch) => {
    for (const f of batch.files) load.files.push(f);
  };
  const source = worker
    ? await startWorker(files, range, opts.batchRows)
    : await parsedHere(files, range, opts.batchRows);
  const scan = scanState(conn);
  scan.source = { next: source.next, take };
  // A table function's rows keep their order only with insertion order preserved (and one scanning thread).
  const preserved = (
    await conn.runAndReadAll("SELECT current_setting('preserve_insertion_order')")
  ).getRowsJS()[0]![0];
  await conn.run('SET preserve_insertion_order = true');
  try {
    const symbols = `[${given.map((f) => literal(f.symbol)).join(', ')}]`;
    const statement = conn.runAndReadAll(`COPY (
      SELECT list_extract(${symbols}, file_id + 1) AS symbol, date, open, high, low, close, adj_close, volume
      FROM ${PLAIN_SCAN}()
    ) TO ${literal(out)} (${PARQUET_WRITE})`);
    // A DuckDB thread waiting on the scan's callback would hang the process's exit: an interrupt stops it first.
    const result = await holdExitDuring(statement, () => {
      scan.stopped = true;
    });
    load.rows = Number(result.getRowsJS()[0]?.[0] ?? 0);
  } catch (err) {
    throw scan.error ?? err;
  } finally {
    scan.source = null;
    scan.error = null;
    scan.stopped = false;
    source.close();
    await conn.run(`SET preserve_insertion_order = ${preserved === true}`);
  }
  return load;
}

/** Where the scan takes its batches from: `next` gives them in order (null at the end), `take` sees each. */
interface BatchSource {
  next(): PlainBatch | null;
  take(batch: PlainBatch): void;
}

interface ScanState {
  source: BatchSource | null;
  /** What the scan threw (DuckDB reports it as its own error; this one is rethrown). */
  error: unknown;
  /** Set when the process must exit (src/util/exit-hold.ts): the next callback fails the statement. */
  stopped: boolean;
}

/** Per connection, its registered scan and the load it serves now (one at a time: a connection runs one statement). */
const scans = new WeakMap<DuckDBConnection, ScanState>();

/** The scan of `conn`, registered on first use. */
function scanState(conn: DuckDBConnection): ScanState {
  let state = scans.get(conn);
  if (state) return state;
  const s: ScanState = { source: null, error: null, stopped: false };
  conn.registerTableFunction(
    DuckDBTableFunction.create({
      name: PLAIN_SCAN,
      bindFunction: (info) => {
        info.addResultColumn('file_id', INTEGER);
        info.addResultColumn('date', DATE);
        for (const c of ['open', 'high', 'low', 'close', 'adj_close', 'volume'])
          info.addResultColumn(c, DOUBLE);
      },
      initFunction: (info) => {
        if (s.source === null) info.setError(`${PLAIN_SCAN} runs only within a CSV load`);
        info.setInitData({ batch: null, start: 0, seg: 0 } satisfies ScanPosition);
        info.setMaxThreads(1);
      },
      mainFunction: (info, output) => {
        if (s.stopped) {
          output.rowCount = 0;
          info.setError(`${PLAIN_SCAN}: stopped (the process is exiting)`);
          return;
        }
        try {
          fillChunk(s.source!, info.initData as ScanPosition, output);
        } catch (err) {
          s.error = err;
          info.setError(err instanceof Error ? err.message : String(err));
        }
      },
    }),
  );
  state = s;
  scans.set(conn, state);
  return state;
}

/** Where a scan is: its batch (null before the first and after the last), its next row, the file owning it. */
interface ScanPosition {
  batch: PlainBatch | null | undefined;
  start: number;
  seg: number;
}

/** Fills `output` with the next rows (at most CHUNK_ROWS, from one batch); no rows at the end. */
function fillChunk(source: BatchSource, at: ScanPosition, output: DuckDBDataChunk): void {
  while (at.batch !== undefined && (at.batch === null || at.start >= at.batch.length)) {
    const b = source.next();
    if (b === null) {
      at.batch = undefined;
      break;
    }
    source.take(b);
    at.batch = b;
    at.start = 0;
    at.seg = 0;
  }
  const b = at.batch;
  if (!b) {
    output.rowCount = 0;
    return;
  }
  const start = at.start;
  const size = Math.min(CHUNK_ROWS, b.length - start);
  // The row count sizes the vectors: set before writing. The columns' items are written in bulk (a fresh chunk is
  // all valid), not a setItem per row: ~27 M calls fewer at 3,000 × 20 years.
  output.rowCount = size;
  const id = output.getColumnVector(0);
  const ids = (id as unknown as { items: Int32Array }).items;
  let seg = at.seg;
  for (let r = 0; r < size; ) {
    while (b.ends[seg]! <= start + r) seg++;
    const to = Math.min(size, b.ends[seg]! - start);
    ids.fill(b.ids[seg]!, r, to);
    r = to;
  }
  at.seg = seg;
  id.flush();
  const days = output.getColumnVector(1);
  (days as unknown as { items: Int32Array }).items.set(b.date.subarray(start, start + size));
  days.flush();
  const values = [b.open, b.high, b.low, b.close, b.adjClose, b.volume];
  for (let c = 0; c < values.length; c++) {
    const v = output.getColumnVector(c + 2);
    const a = values[c]!.subarray(start, start + size);
    (v as unknown as { items: Float64Array }).items.set(a);
    for (let r = 0; r < size; r++) {
      // NaN marks a null cell (csv-columns.ts NULL_VALUE).
      if (Number.isNaN(a[r])) v.setItem(r, null);
    }
    v.flush();
  }
  at.start += size;
}

/** A source of batches and how to let go of it. */
interface Started {
  next(): PlainBatch | null;
  close(): void;
}

/** Every batch parsed on this thread first, then given out from memory. */
async function parsedHere(
  files: readonly PlainFile[],
  range: DateRange,
  batchRows: number | undefined,
): Promise<Started> {
  const batches: PlainBatch[] = [];
  await parsePlainBatches(files, range, async (batch) => void batches.push(batch), batchRows);
  let k = 0;
  return {
    next: () => (k < batches.length ? batches[k++]! : null),
    close: () => void batches.splice(0),
  };
}

/**
 * parsePlainBatches on a worker thread. The scan's callbacks run on this thread while DuckDB waits for them, so
 * the next batch is taken synchronously: the worker posts it on a port of its own and bumps a shared counter, and
 * `next` sleeps on that counter (Atomics.wait) until a batch is there. One credit goes back per batch taken.
 */
async function startWorker(
  files: readonly PlainFile[],
  range: DateRange,
  batchRows: number | undefined,
): Promise<Started> {
  if (WORKER_URL === null) throw new Error('the CSV parse worker module is not installed');
  const { port1, port2 } = new MessageChannel();
  const posted = new Int32Array(new SharedArrayBuffer(4));
  const data: PlainWorkerData = {
    files: [...files],
    range,
    credits: BATCHES_AHEAD,
    batchRows,
    port: port2,
    posted,
  };
  const w = new Worker(WORKER_URL, { workerData: data, transferList: [port2 as unknown as MessagePort] });
  // Its first message awaited here, where a worker that fails to start is seen ('error', 'exit'); from then on its
  // failures come as messages on the port (these events would arrive only once this thread is free again).
  const first = Atomics.waitAsync(posted, 0, 0);
  if (first.async) {
    try {
      await new Promise<void>((resolve, reject) => {
        void first.value.then(() => resolve());
        w.once('error', reject);
        w.once('exit', (code) =>
          reject(new Error(`the CSV parse worker exited with code ${code} before its end`)),
        );
      });
    } catch (err) {
      port1.close();
      void w.terminate();
      throw err;
    }
  }
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  w.on('error', () => {});
  let ended = false;
  return {
    next: () => {
      if (ended) return null;
      for (;;) {
        const seen = Atomics.load(posted, 0);
        const got = receiveMessageOnPort(port1);
        if (got !== undefined) {
          const m = got.message as PlainWorkerMessage;
          if (m === null) {
            ended = true;
            return null;
          }
          if ('error' in m) throw new Error(`the CSV parse worker failed: ${m.error}`);
          w.postMessage(1);
          return m;
        }
        Atomics.wait(posted, 0, seen);
      }
    },
    close: () => {
      port1.close();
      void w.terminate();
    },
  };
}
