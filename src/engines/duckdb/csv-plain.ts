import { readFile } from 'node:fs/promises';
import { DOUBLE, type DuckDBConnection, DuckDBDataChunk, INTEGER } from '@duckdb/node-api';
import type { DateRange } from '../../domain/bar.ts';
import { datesAscending } from '../../sources/csv.ts';
import { CsvColumns, type PlainCsvCounts, readPlainCsv } from '../../sources/csv-columns.ts';

/**
 * Plain CSV files (src/sources/csv-columns.ts) read in JavaScript and handed to DuckDB in column chunks: for such
 * files the SQL path's per-line string work (split, trim, casts, checks) is most of a load's cost, and a byte loop
 * over the same lines costs a fraction of it. The rows go into `csv_plain(file_id, days, open, high, low, close,
 * adj_close, volume)` in the order the files are given, each file's rows in date order, so the table is in
 * (file_id, date) order as appended.
 */

export const PLAIN_TABLE = 'csv_plain';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;
/** Files read ahead of the parser (the disk works while a file is parsed). */
const READS_AHEAD = 4;

const TYPES = [INTEGER, INTEGER, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE];

/** One file to read: its path and the id its rows carry (its place in symbol order). */
export interface PlainFile {
  id: number;
  path: string;
}

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

/** Reads `files` (in the order given, ids ascending) into `csv_plain`. */
export async function loadPlainCsvFiles(
  conn: DuckDBConnection,
  files: readonly PlainFile[],
  range: DateRange,
): Promise<PlainLoad> {
  await conn.run(`CREATE OR REPLACE TABLE ${PLAIN_TABLE} (file_id INTEGER, days INTEGER, open DOUBLE, high DOUBLE,
    low DOUBLE, close DOUBLE, adj_close DOUBLE, volume DOUBLE)`);
  // The appender's rows go in through an insert that DuckDB runs in parallel, out of order, unless insertion order
  // is preserved: the table must be in (file_id, date) order for the write to need no sort.
  const preserved = (
    await conn.runAndReadAll("SELECT current_setting('preserve_insertion_order')")
  ).getRowsJS()[0]![0];
  await conn.run('SET preserve_insertion_order = true');
  const appender = await conn.createAppender(PLAIN_TABLE);
  const cols = new CsvColumns(64 * 1024);
  const chunk = DuckDBDataChunk.create(TYPES);
  // Rows of cols by file: ids[k] owns rows up to ends[k].
  const ids: number[] = [];
  const ends: number[] = [];
  const results: (PlainCsvCounts | null)[] = [];
  const ascending: boolean[] = [];
  const read = (i: number) =>
    readFile(files[i]!.path).then(
      (b) => b,
      () => null, // read before and now gone: the SQL path names the problem
    );
  const ahead: Promise<Buffer | null>[] = [];
  for (let i = 0; i < Math.min(READS_AHEAD, files.length); i++) ahead.push(read(i));
  try {
    for (let i = 0; i < files.length; i++) {
      const bytes = await ahead[i]!;
      if (i + READS_AHEAD < files.length) ahead.push(read(i + READS_AHEAD));
      delete ahead[i];
      const counts = bytes === null ? null : readPlainCsv(bytes, range, cols);
      results.push(counts);
      ascending.push(counts === null && bytes !== null && datesAscending(bytes));
      if (counts === null || counts.bars === 0) continue;
      ids.push(files[i]!.id);
      ends.push(cols.length);
      if (cols.length >= CHUNK_ROWS) appendChunks(appender, chunk, cols, ids, ends, false);
    }
    appendChunks(appender, chunk, cols, ids, ends, true);
    appender.flushSync();
  } finally {
    appender.closeSync();
    await conn.run(`SET preserve_insertion_order = ${preserved === true}`);
  }
  return { counts: results, ascending };
}

/** Appends the rows of `cols` in whole chunks (and the rest when `all`), then keeps only what was not appended. */
function appendChunks(
  appender: { appendDataChunk(c: DuckDBDataChunk): void },
  chunk: DuckDBDataChunk,
  cols: CsvColumns,
  ids: number[],
  ends: number[],
  all: boolean,
): void {
  const upto = all ? cols.length : cols.length - (cols.length % CHUNK_ROWS);
  let seg = 0;
  for (let start = 0; start < upto; start += CHUNK_ROWS) {
    const size = Math.min(CHUNK_ROWS, upto - start);
    // One chunk reused: creating one per 2,048 rows costs about as much as filling it.
    chunk.reset();
    chunk.rowCount = size;
    const id = chunk.getColumnVector(0);
    for (let r = 0; r < size; r++) {
      while (ends[seg]! <= start + r) seg++;
      id.setItem(r, ids[seg]!);
    }
    id.flush();
    const days = chunk.getColumnVector(1);
    for (let r = 0; r < size; r++) days.setItem(r, cols.date[start + r]!);
    days.flush();
    const values = [cols.open, cols.high, cols.low, cols.close, cols.adjClose, cols.volume];
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
  // Drop the appended rows and the segments they covered.
  let drop = 0;
  while (drop < ends.length && ends[drop]! <= upto) drop++;
  ids.splice(0, drop);
  ends.splice(0, drop);
  for (let k = 0; k < ends.length; k++) ends[k] = ends[k]! - upto;
  cols.shift(upto);
}
