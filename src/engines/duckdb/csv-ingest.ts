import type { DuckDBConnection } from '@duckdb/node-api';
import { type DateRange, MAX_PRICE } from '../../domain/bar.ts';
import { checkCsvBytes, readCsvBytes } from '../../sources/csv.ts';
import { CSV_FIELDS, type CsvLayout, isStandardLayout, STANDARD_LAYOUT } from '../../sources/csv-rows.ts';
import type { CsvFileCounts, CsvFileIn } from '../engine.ts';
import { loadPlainCsvFiles } from './csv-plain.ts';
import { literal, readParquet } from './sql-util.ts';

/**
 * The embedded engine reads `csv:DIR` files itself. Plain files (src/sources/csv-columns.ts: dates ascending, every
 * cell a plain number or null, every row a bar or a null row) go through ./csv-plain.ts, a byte loop into column
 * chunks; the others are read by DuckDB's CSV reader and checked here in SQL by the rules of
 * src/sources/csv-rows.ts (the messages come from there): each line is read whole and split here so that a short or
 * long row is a bad row, not a reader error. Every file's bytes are checked first, as it is first read (the plain
 * reader's, or here for a file not offered to it): `checkCsvBytes` (UTF-8, no NUL or SOH byte, a header naming
 * Yahoo's columns; a file that orders them otherwise is read by SQL with its layout); a file that fails is reported
 * in its counts (`failure`) and read no further.
 */

/**
 * The reader's buffer per file. DuckDB's default (32 MB) is far beyond a daily-bars file (~300 KB for 20 years)
 * and alone exceeds a small memory_limit; 4 MB reads as fast here and still holds Yahoo's longest histories.
 */
const CSV_BUFFER_BYTES = 4 * 1024 * 1024;

/** A line shorter than this cannot be a row (a date alone is 10 characters): only those are looked at for blanks. */
const SHORTEST_ROW = 16;

/** Row kinds in `csv_checked`. */
const GOOD = 0;
const NULL_ROW = 1;
const BAD = 2;
/** Empty or spaces only: ignored (kept as rows because a WHERE right on the CSV reader costs more than the read). */
const BLANK = 3;

const num = (cell: string) => `try_cast(${cell} AS DOUBLE)`;
const isNullCell = (cell: string) => `(${cell} = '' OR ${cell} = 'null')`;
const positivePrice = (v: string) =>
  `(${v} IS NOT NULL AND isfinite(${v}) AND ${v} > 0 AND ${v} < ${MAX_PRICE})`;
const optionalValue = (cell: string, v: string, isPrice: boolean) =>
  `(${isNullCell(cell)} OR (${v} IS NOT NULL AND isfinite(${v}) AND ${v} >= 0${isPrice ? ` AND ${v} < ${MAX_PRICE}` : ''}))`;

/** What `checkCsvFiles` found: the counts per file (in the order given) and how the rows were read. */
export interface CsvChecked {
  counts: CsvFileCounts[];
  /** Whether any file read by SQL repeats a date on lines that do not all say the same (all of them are bad). */
  repeats: boolean;
  /** Whether any file read by SQL repeats a line (same date, same values): one of them is kept. */
  copies: boolean;
  /** The files read by SQL into `csv_checked`, as their places in symbol order (ascending); the rest are plain. */
  slow: number[];
  /** The Parquet file holding the plain files' rows (./csv-plain.ts), or null when no file was offered to it. */
  plainFile: string | null;
  /** Rows in `plainFile`. */
  plainRows: number;
}

/**
 * The files' indexes in symbol order (ties in list order). A file's place in this order is its id in the tables
 * here, so a load sorts the lake by (symbol, date) on two integers.
 */
function symbolOrder(files: readonly CsvFileIn[]): number[] {
  return files
    .map((f, i) => ({ symbol: f.symbol, i }))
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.i - b.i))
    .map((x) => x.i);
}

/**
 * Reads and checks every file and returns the per-file counts. Files the byte pass proved in date order are first
 * offered to the plain reader (./csv-plain.ts: their rows in range written to the Parquet file `plainOut` as the
 * `prices` columns, in (symbol, date) order, no bad rows by construction); the others,
 * and any it declines, are read by SQL into `csv_checked(file_id, kind, date, open, high, low, close, adj_close,
 * volume)` (the values mean something only on GOOD rows; file_id is the file's place in `slow`). Rows outside
 * `range` are checked too; the plain reader keeps only those in range, `csvIncomingSql` filters the others.
 */
export async function checkCsvFiles(
  conn: DuckDBConnection,
  files: readonly CsvFileIn[],
  range: DateRange,
  plainOut: string,
): Promise<CsvChecked> {
  const order = symbolOrder(files);
  // Every file not known to be out of order is offered; the plain reader proves the order of those it takes. It
  // reads Yahoo's column order only: a file whose header orders the columns otherwise is read by SQL.
  const candidates = order.flatMap((i, id) =>
    files[i]!.ordered !== false && files[i]!.layout === undefined
      ? [{ id, path: files[i]!.path, symbol: files[i]!.symbol }]
      : [],
  );
  const plain =
    candidates.length > 0
      ? await loadPlainCsvFiles(conn, candidates, range, plainOut)
      : { files: [], rows: 0 };
  const counts: CsvFileCounts[] = new Array(files.length);
  // Per file (index into files): its dates proven ascending, by the caller or by the plain reader's byte pass.
  const ascending = files.map((f) => f.ordered === true);
  // The files as SQL reads them: with the layout their header names.
  const read = [...files];
  const failed = (i: number, failure: string) => {
    const f = files[i]!;
    counts[i] = {
      symbol: f.symbol,
      path: f.path,
      bars: 0,
      nullRows: 0,
      badRows: 0,
      first: null,
      last: null,
      failure,
    };
  };
  plain.files.forEach((r, k) => {
    const i = order[candidates[k]!.id]!;
    if (r.failure !== undefined) {
      failed(i, r.failure);
      return;
    }
    if (r.layout) read[i] = { ...files[i]!, layout: r.layout };
    if (r.ascending) ascending[i] = true;
    if (r.counts === null) return;
    const f = files[i]!;
    counts[i] = { symbol: f.symbol, path: f.path, badRows: 0, ...r.counts };
  });
  // The files not offered to the plain reader: their bytes checked here (the SQL path reads only checked files).
  const offered = new Set(candidates.map((c) => order[c.id]!));
  for (let i = 0; i < files.length; i++) {
    if (offered.has(i)) continue;
    const got = await readCsvBytes(files[i]!.path);
    const check = got.ok ? checkCsvBytes(files[i]!.path, got.bytes) : got;
    if (!check.ok) failed(i, check.reason);
    else if (files[i]!.layout === undefined && !isStandardLayout(check.layout))
      read[i] = { ...files[i]!, layout: check.layout };
  }
  const slow = order.flatMap((i, id) => (counts[i] === undefined ? [id] : []));
  const repeated =
    slow.length > 0
      ? await checkInSql(
          conn,
          read,
          slow.map((id) => order[id]!),
          ascending,
          range,
          counts,
        )
      : { repeats: false, copies: false };
  return {
    counts,
    ...repeated,
    slow,
    plainFile: candidates.length > 0 ? plainOut : null,
    plainRows: plain.rows,
  };
}

/**
 * The SQL path over `files[i]` for i in `which` (file_id = place in `which`); fills their counts. Returns whether
 * any repeats a date on conflicting lines, and whether any repeats a line.
 */
async function checkInSql(
  conn: DuckDBConnection,
  files: readonly CsvFileIn[],
  which: readonly number[],
  ascending: readonly boolean[],
  range: DateRange,
  counts: CsvFileCounts[],
): Promise<{ repeats: boolean; copies: boolean }> {
  const order = which;
  await conn.run('CREATE OR REPLACE TABLE csv_files (file_id INTEGER, ordered BOOLEAN)');
  const appender = await conn.createAppender('csv_files');
  try {
    order.forEach((i, id) => {
      appender.appendInteger(id);
      appender.appendBoolean(ascending[i] === true);
      appender.endRow();
    });
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  // Each line as one field (SOH never occurs: checkCsvBytes rejects files holding it; an empty line reads as NULL),
  // split on commas here. file_index is the file's position in the list, i.e. its file_id.
  const reader = `read_csv([${order.map((i) => literal(files[i]!.path)).join(', ')}], columns = {'line': 'VARCHAR'},
    header = true, delim = chr(1), quote = '', escape = '', auto_detect = false,
    buffer_size = ${CSV_BUFFER_BYTES})`;
  // String work per line is most of the cost of a load, so the costly parts run only where needed (a CASE
  // evaluates a branch only for its rows; AND does not short-circuit): trim only on short lines (blank?), on lines
  // holding a space and on lines with non-ASCII characters (`wide`: trim also strips Unicode spaces such as
  // U+00A0, as JavaScript's trim does); a date is 10 characters (DuckDB also reads `infinity`, which strftime
  // prints back) equal to the cheap cast, or else to strftime (year 0 as 0000).
  await conn.run(`CREATE OR REPLACE TABLE csv_checked AS
    WITH lines AS (
      SELECT file_id, line, wide,
        CASE WHEN coalesce(strlen(line), 0) < ${SHORTEST_ROW} OR wide THEN coalesce(trim(line), '') = '' ELSE false END
          AS blank
      FROM (SELECT CAST(file_index AS INTEGER) AS file_id, line, strlen(line) <> length(line) AS wide FROM ${reader})
    ), cells AS (
      SELECT file_id, blank, ${cellsOf(files, order)}
      FROM (
        SELECT file_id, blank,
          CASE WHEN contains(line, ' ') OR wide THEN list_transform(string_split(line, ','), x -> trim(x))
          ELSE string_split(line, ',') END AS c
        FROM lines
      ) r
    ), typed AS (
      SELECT *, try_cast(d_txt AS DATE) AS d, ${num('o_txt')} AS o, ${num('h_txt')} AS h, ${num('l_txt')} AS l,
        ${num('c_txt')} AS cl, ${num('a_txt')} AS a, ${num('v_txt')} AS v
      FROM cells
    ), dated AS (
      SELECT *, strlen(d_txt) = 10
          AND CASE WHEN CAST(d AS VARCHAR) = d_txt THEN true ELSE strftime(d, '%Y-%m-%d') = d_txt END AS d_ok
      FROM typed
    ), judged AS (
      SELECT *, CAST(CASE
        WHEN blank THEN ${BLANK}
        WHEN n <> fields OR d IS NULL OR NOT d_ok THEN ${BAD}
        WHEN ${isNullCell('c_txt')} OR ${isNullCell('a_txt')} THEN ${NULL_ROW}
        WHEN ${positivePrice('cl')} AND ${positivePrice('a')} AND ${optionalValue('o_txt', 'o', true)}
          AND ${optionalValue('h_txt', 'h', true)} AND ${optionalValue('l_txt', 'l', true)}
          AND ${optionalValue('v_txt', 'v', false)} THEN ${GOOD}
        ELSE ${BAD} END AS UTINYINT) AS kind
      FROM dated
    )
    SELECT file_id, kind,
      CASE WHEN kind = ${BLANK} OR (kind = ${BAD} AND (n <> fields OR d_ok IS NOT true)) THEN NULL ELSE d END AS date,
      o AS open, h AS high, l AS low, cl AS close, a AS adj_close, v AS volume
    FROM judged`);
  // A date on several lines of one file makes all of them bad (csv-rows.ts) unless they all say the same (`conflict`
  // false: the same bar, or null rows, as where two downloads were joined), which counts once. Only files not
  // proven in date order can repeat one: the others are left out of this GROUP BY.
  await conn.run(`CREATE OR REPLACE TABLE csv_repeats AS
    SELECT file_id, date, count(*) AS n, count(*) FILTER (WHERE kind = ${NULL_ROW}) AS nulls,
      count(DISTINCT kind) > 1 OR count(*) FILTER (WHERE kind = ${BAD}) > 0
        OR count(DISTINCT [open, high, low, close, adj_close, volume]) FILTER (WHERE kind = ${GOOD}) > 1 AS conflict
    FROM csv_checked SEMI JOIN (SELECT file_id FROM csv_files WHERE NOT ordered) USING (file_id)
    WHERE date IS NOT NULL GROUP BY ALL HAVING count(*) > 1`);
  const inRange = `date BETWEEN DATE ${literal(range.start)} AND DATE ${literal(range.end)}`;
  const reader2 = await conn.runAndReadAll(`
    WITH per_file AS (
      SELECT file_id,
        count(*) FILTER (WHERE kind = ${GOOD} AND ${inRange}) AS bars,
        count(*) FILTER (WHERE kind = ${NULL_ROW}) AS null_rows,
        count(*) FILTER (WHERE kind = ${BAD}) AS bad_rows,
        CAST(min(date) FILTER (WHERE kind = ${GOOD}) AS VARCHAR) AS first,
        CAST(max(date) FILTER (WHERE kind = ${GOOD}) AS VARCHAR) AS last
      FROM csv_checked GROUP BY file_id
    ), repeats AS (
      -- Per file what its repeated dates take from the counts: all of a conflicting date's lines become bad rows;
      -- of lines that say the same, all but one are dropped.
      SELECT r.file_id,
        sum(CASE WHEN r.conflict THEN c.good_in_range ELSE greatest(c.good_in_range - 1, 0) END) AS bars_less,
        sum(CASE WHEN r.conflict THEN r.nulls ELSE greatest(r.nulls - 1, 0) END) AS nulls_less,
        sum(CASE WHEN r.conflict THEN r.n - c.bad ELSE 0 END) AS bad_more
      FROM csv_repeats r JOIN (
        SELECT file_id, date, count(*) FILTER (WHERE kind = ${GOOD} AND ${inRange}) AS good_in_range,
          count(*) FILTER (WHERE kind = ${BAD}) AS bad
        FROM csv_checked SEMI JOIN csv_repeats USING (file_id, date) GROUP BY ALL
      ) c USING (file_id, date)
      GROUP BY r.file_id
    )
    SELECT f.file_id, coalesce(p.bars, 0) - coalesce(r.bars_less, 0) AS bars,
      coalesce(p.null_rows, 0) - coalesce(r.nulls_less, 0) AS null_rows,
      coalesce(p.bad_rows, 0) + coalesce(r.bad_more, 0) AS bad_rows, p.first, p.last
    FROM csv_files f LEFT JOIN per_file p USING (file_id) LEFT JOIN repeats r USING (file_id)
    ORDER BY f.file_id`);
  for (const row of reader2.getRowsJS()) {
    const i = order[Number(row[0])]!;
    const f = files[i]!;
    counts[i] = {
      symbol: f.symbol,
      path: f.path,
      bars: Number(row[1]),
      nullRows: Number(row[2]),
      badRows: Number(row[3]),
      first: row[4] === null ? null : String(row[4]),
      last: row[5] === null ? null : String(row[5]),
    };
  }
  const [conflicts, copies] = (
    await conn.runAndReadAll(
      'SELECT count(*) FILTER (WHERE conflict), count(*) FILTER (WHERE NOT conflict) FROM csv_repeats',
    )
  ).getRowsJS()[0]!;
  return { repeats: Number(conflicts) > 0, copies: Number(copies) > 0 };
}

/**
 * The `cells` columns of the SQL path (from the split line `c`, file_id = place in `order`): the number of fields
 * `n`, the number a row must have (`fields`) and the seven cells by name. Yahoo's column order is constant; files
 * whose header orders the columns otherwise (CsvFileIn.layout) take each position from a list by file_id.
 */
function cellsOf(files: readonly CsvFileIn[], order: readonly number[]): string {
  const names = ['d_txt', 'o_txt', 'h_txt', 'l_txt', 'c_txt', 'a_txt', 'v_txt'];
  const layouts = order.map((i) => files[i]!.layout ?? STANDARD_LAYOUT);
  if (layouts.every((l) => l === STANDARD_LAYOUT)) {
    return `len(c) AS n, ${CSV_FIELDS} AS fields, ${names.map((name, k) => `c[${k + 1}] AS ${name}`).join(', ')}`;
  }
  const byFile = (value: (l: CsvLayout) => number) =>
    `list_extract([${layouts.map(value).join(', ')}], file_id + 1)`;
  return `len(c) AS n, ${byFile((l) => l.fields)} AS fields, ${names
    .map((name, k) => `c[${byFile((l) => l.at[k]! + 1)}] AS ${name}`)
    .join(', ')}`;
}

/**
 * The good rows in `range` of the kept files (`keep`: indexes into `files`, as `judge` returned them), as the
 * `prices` columns plus `rank` (the file's place in symbol order): the bars a CSV load writes. `file`: the plain
 * reader's file holds exactly these rows in (symbol, date) order (no file was read by SQL, none left out), so it is
 * what a first load writes, as it is; the relation then has no `rank`.
 */
export function csvIncomingSql(
  files: readonly CsvFileIn[],
  keep: readonly number[],
  range: DateRange,
  checked: CsvChecked,
): { sql: string; file: string | null } {
  const order = symbolOrder(files);
  const kept = new Set(keep);
  const slow = new Set(checked.slow);
  const plainIds = order.flatMap((i, id) =>
    !slow.has(id) && (checked.counts[i]?.bars ?? 0) > 0 ? [id] : [],
  );
  const ids = plainIds.filter((id) => kept.has(order[id]!));
  const slowIds = checked.slow.flatMap((id, k) => (kept.has(order[id]!) ? [k] : []));
  const inList = (xs: readonly number[]) => (xs.length > 0 ? xs.join(', ') : 'NULL');
  const plainRows = checked.plainFile === null ? null : readParquet([checked.plainFile]);
  if (slowIds.length === 0 && ids.length === plainIds.length && plainRows !== null)
    return { sql: `SELECT * FROM ${plainRows}`, file: checked.plainFile };
  // The symbol by file_id from a constant list (cheaper than a join).
  const symbols = `[${order.map((i) => literal(files[i]!.symbol)).join(', ')}]`;
  // The kept plain files' rows, with their rank (symbols are unique: the join keys on them).
  const plain =
    ids.length > 0 && plainRows !== null
      ? `SELECT r.rank, symbol, date, open, high, low, close, adj_close, volume
    FROM ${plainRows} JOIN (SELECT unnest([${ids.map((id) => literal(files[order[id]!]!.symbol)).join(', ')}]) AS symbol,
      unnest([${ids.join(', ')}]) AS rank) r USING (symbol)`
      : null;
  if (slowIds.length === 0) return { sql: plain!, file: null };
  // csv_checked's file_id is the place in `slow`: map it to the rank.
  const rank = `list_extract([${checked.slow.join(', ')}], c.file_id + 1)`;
  const viaSql = `SELECT ${rank} AS rank, list_extract(${symbols}, ${rank} + 1) AS symbol, c.date, c.open, c.high,
      c.low, c.close, c.adj_close, c.volume
    FROM csv_checked c
    WHERE c.kind = ${GOOD} AND c.date BETWEEN DATE ${literal(range.start)} AND DATE ${literal(range.end)}
      AND c.file_id IN (${inList(slowIds)})${checked.repeats ? ' AND NOT EXISTS (SELECT 1 FROM csv_repeats r WHERE r.file_id = c.file_id AND r.date = c.date AND r.conflict)' : ''}`;
  // A line repeated (same date, same values) gives the same row twice: one is kept.
  const slowRows = checked.copies ? `SELECT DISTINCT * FROM (${viaSql}) d` : viaSql;
  return { sql: plain !== null ? `${plain}\n    UNION ALL ${slowRows}` : slowRows, file: null };
}

export async function dropCsvTables(conn: DuckDBConnection): Promise<void> {
  for (const t of ['csv_checked', 'csv_repeats', 'csv_files']) await conn.run(`DROP TABLE IF EXISTS ${t}`);
}
