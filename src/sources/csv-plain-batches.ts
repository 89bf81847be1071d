import type { DateRange } from '../domain/bar.ts';
import { checkCsvBytes, datesAscending, readCsvBytes, readCsvBytesSync } from './csv.ts';
import { type BarColumns, CsvColumns, type PlainCsvCounts, readPlainCsv } from './csv-columns.ts';
import { type CsvLayout, isStandardLayout } from './csv-rows.ts';

/**
 * CSV files read, their bytes checked (./csv.ts `checkCsvBytes`: the only read of a file that is plain), and the
 * plain ones (./csv-columns.ts) parsed in order into batches of rows, each batch whole DuckDB
 * chunks (CHUNK_ROWS) but the last: the reading and parsing half of a CSV load, with no engine in it, so that it can
 * run on a worker thread (./csv-plain-worker.ts) while the main thread hands the previous batch to DuckDB.
 */

/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;
/** Rows per batch (whole chunks): large enough that a batch's message costs nothing next to its rows. */
export const BATCH_ROWS = 32 * CHUNK_ROWS;
/** Files read ahead of the parser (the disk works while a file is parsed). */
const READS_AHEAD = 4;

/** One file to read: its path and the id its rows carry (its place in symbol order). */
export interface PlainFile {
  id: number;
  path: string;
}

/** What the plain reader made of one file, in the order given. */
export interface PlainFileResult {
  /** Its counts, or null for a file that is not plain (its rows are not in any batch: SQL reads it). */
  counts: PlainCsvCounts | null;
  /**
   * For a file declined, whether its dates still ascend (src/sources/csv.ts `datesAscending` on the bytes in hand):
   * the SQL path then skips its repeated-date check. A plain file proves that itself (false here), and a file whose
   * header orders the columns otherwise is not looked at (false).
   */
  ascending: boolean;
  /** Why the file cannot be used (unreadable, or its bytes fail `checkCsvBytes`): not read any further. */
  failure?: string;
  /** The layout its header names when not Yahoo's own order: declined (SQL reads it by this layout). */
  layout?: CsvLayout;
}

/** Rows `[0, length)` of the columns, owned by file ids[k] up to row ends[k]; and the files finished with them. */
export interface PlainBatch extends BarColumns {
  ids: number[];
  ends: number[];
  /** The results of the files read since the previous batch, in order. */
  files: PlainFileResult[];
}

/** The typed arrays' buffers of a batch (transferred to the main thread, not copied). */
export function batchBuffers(b: PlainBatch): ArrayBuffer[] {
  return [b.date, b.open, b.high, b.low, b.close, b.adjClose, b.volume].map((a) => a.buffer as ArrayBuffer);
}

/**
 * Reads and parses `files` in order, calling `emit` with each batch of about `batchRows` rows (awaited: the caller
 * sets the pace). Every row of every plain file is in exactly one batch, in file order then date order; each file's
 * result comes with the first batch emitted after the file was read; the last batch holds the rest (maybe no rows).
 * `readSync`: the files are read on this thread, not by libuv's pool (see ./csv-plain-worker.ts).
 */
export async function parsePlainBatches(
  files: readonly PlainFile[],
  range: DateRange,
  emit: (batch: PlainBatch) => Promise<void>,
  batchRows = BATCH_ROWS,
  readSync = false,
): Promise<void> {
  const cols = new CsvColumns(batchRows * 2);
  // Rows of cols by file: ids[k] owns rows up to ends[k].
  let ids: number[] = [];
  let ends: number[] = [];
  let done: PlainFileResult[] = [];
  const read = (i: number) =>
    readSync ? Promise.resolve(readCsvBytesSync(files[i]!.path)) : readCsvBytes(files[i]!.path);
  const ahead: ReturnType<typeof read>[] = [];
  for (let i = 0; i < Math.min(READS_AHEAD, files.length); i++) ahead.push(read(i));
  const flush = async (all: boolean) => {
    const upto = all ? cols.length : cols.length - (cols.length % CHUNK_ROWS);
    let owned = 0;
    while (owned < ends.length && ends[owned]! <= upto) owned++;
    // A file cut by the batch's end owns the batch's last rows (and its remaining ones go in the next batch).
    const cut = owned < ends.length && upto > (owned > 0 ? ends[owned - 1]! : 0);
    const batchIds = ids.slice(0, cut ? owned + 1 : owned);
    const batchEnds = cut ? [...ends.slice(0, owned), upto] : ends.slice(0, owned);
    const batch: PlainBatch = {
      length: upto,
      date: cols.date.slice(0, upto),
      open: cols.open.slice(0, upto),
      high: cols.high.slice(0, upto),
      low: cols.low.slice(0, upto),
      close: cols.close.slice(0, upto),
      adjClose: cols.adjClose.slice(0, upto),
      volume: cols.volume.slice(0, upto),
      ids: batchIds,
      ends: batchEnds,
      files: done,
    };
    ids = ids.slice(owned);
    ends = ends.slice(owned).map((e) => e - upto);
    done = [];
    cols.shift(upto);
    await emit(batch);
  };
  for (let i = 0; i < files.length; i++) {
    const got = await ahead[i]!;
    if (i + READS_AHEAD < files.length) ahead.push(read(i + READS_AHEAD));
    delete ahead[i];
    const check = got.ok ? checkCsvBytes(files[i]!.path, got.bytes) : got;
    if (!check.ok) {
      done.push({ counts: null, ascending: false, failure: check.reason });
      continue;
    }
    if (!isStandardLayout(check.layout)) {
      done.push({ counts: null, ascending: false, layout: check.layout });
      continue;
    }
    const bytes = (got as { bytes: Buffer }).bytes;
    const counts = readPlainCsv(bytes, range, cols);
    done.push({ counts, ascending: counts === null && datesAscending(bytes) });
    if (counts === null || counts.bars === 0) continue;
    ids.push(files[i]!.id);
    ends.push(cols.length);
    if (cols.length >= batchRows) await flush(false);
  }
  await flush(true);
}
