import {
  DATE,
  DECIMAL,
  DOUBLE,
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBTableFunction,
  type DuckDBType,
  INTEGER,
} from '@duckdb/node-api';
import { holdExitDuring } from '../../util/exit-hold.ts';
import { type ScanBars, scanRefusal, type WindowBlock, WindowScan, windowBlock } from '../window-scan.ts';

/**
 * The embedded engine's source of sql/features.sql's window values on a full run: the bars read once from DuckDB
 * (grouped by symbol, in date order), the window values computed in one pass in JavaScript (../window-scan.ts), and
 * handed back to DuckDB through a table function that the rest of features.sql (its outer SELECT, every feature's
 * definition) and the `features` write read from. DuckDB's framed aggregates (segment trees over 50-, 200- and
 * 252-bar frames, after a sort of every bar) were most of `bf signals generate`'s CPU (README Benchmarks).
 *
 * The table function's callbacks run on the JavaScript thread, one 2,048-row chunk at a time and in order, while
 * DuckDB's threads run the expressions and the Parquet encoding of the chunks they got: the rows leave in no order,
 * which features.sql does not promise anyway.
 */

/** The table function and the table of symbols by code that features.sql's input is built from. */
const FUNCTION = 'bf_window_scan';
const SYMBOLS = 'bf_window_scan_symbols';

const CHUNK_ROWS = 2048;
/**
 * Most bars a scan holds (24 bytes each in JavaScript, outside DuckDB's memory_limit: ~1 GB here). A larger run
 * takes features.sql as written, which DuckDB can spill; 3,000 symbols × 20 years is 13.4 M bars.
 */
export const SCAN_BARS_MAX = 40_000_000;
const MICROS_DECIMAL = DECIMAL(18, 6);

/** What the registered function reads from, per connection: set for the length of one statement. */
interface Feed {
  bars: ScanBars;
  scan: WindowScan;
  block: WindowBlock;
  /** Set to end the statement (the process is exiting): the next callbacks fail it. */
  stopped: boolean;
}
interface Slot {
  feed: Feed | null;
}
const feeds = new WeakMap<DuckDBConnection, Slot>();

/** What windowScanQuery gives: the SQL, the statement runner that must carry it, and the cleanup. */
export interface WindowScanQuery {
  sql: string;
  /**
   * Awaits `statement` (the one running `sql`), holding the process's exit until it ends: DuckDB threads waiting
   * on this function's callbacks would otherwise hang an exit for ever (src/util/exit-hold.ts).
   */
  run<T>(statement: Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/** Columns of the function, in order: the code joins the symbol, the rest are features.sql's subquery `w`. */
const COLUMNS: [string, DuckDBType][] = [
  ['symbol_code', INTEGER],
  ['date', DATE],
  ['adj_close', DOUBLE],
  ['price_dec', MICROS_DECIMAL],
  ['prev_adj_close', DOUBLE],
  ['bar_index', INTEGER],
  ['sum50', MICROS_DECIMAL],
  ['sum200', MICROS_DECIMAL],
  ['max252', MICROS_DECIMAL],
  ['min252', MICROS_DECIMAL],
];

/**
 * Reads `relation` (symbol as an ENUM of `symbols` in their order, date, adj_close; the view features.sql would
 * read) into typed arrays. `ordered`: the relation's scan already gives each symbol's bars together and by date (one
 * sorted file), so no sort is asked for. Returns why the scan cannot serve instead when it cannot (scanRefusal, a
 * NULL price): the caller then runs features.sql as written.
 */
export async function readScanBars(
  conn: DuckDBConnection,
  relation: string,
  symbols: number,
  ordered: boolean,
  maxBars = SCAN_BARS_MAX,
): Promise<ScanBars | string> {
  // Counted first (the symbol and date columns of the file: ~0.05 s at 13 M bars): arrays of the right size, not
  // grown by copies nor sized for the whole lake when the list is a part of it.
  const capacity = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${relation}`)).getRowsJS()[0]![0]);
  if (capacity > maxBars) return `${capacity} bars, more than the ${maxBars} the scan holds in memory`;
  const bars: ScanBars = {
    length: 0,
    symbol: new Int32Array(capacity),
    day: new Int32Array(capacity),
    adjClose: new Float64Array(capacity),
    micros: new Float64Array(capacity),
  };
  const preserved = (
    await conn.runAndReadAll("SELECT current_setting('preserve_insertion_order')")
  ).getRowsJS()[0]![0];
  // The scan's order is the file's only while insertion order is preserved.
  await conn.run('SET preserve_insertion_order = true');
  try {
    const result = await conn.stream(
      `SELECT CAST(enum_code(symbol) AS INTEGER), date, adj_close, CAST(adj_close AS DECIMAL(18, 6))
       FROM ${relation}${ordered ? '' : ' ORDER BY symbol, date'}`,
    );
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const n = chunk.rowCount;
      if (bars.length + n > capacity) return `the bars changed while read (${capacity} counted)`;
      if (!allValid(chunk, 2)) return 'a NULL price';
      const at = bars.length;
      bars.symbol.set(items<Int32Array>(chunk, 0).subarray(0, n), at);
      bars.day.set(items<Int32Array>(chunk, 1).subarray(0, n), at);
      bars.adjClose.set(items<Float64Array>(chunk, 2).subarray(0, n), at);
      readInt64(chunk, 3, n, bars.micros, at);
      bars.length += n;
    }
  } finally {
    await conn.run(`SET preserve_insertion_order = ${preserved === true}`);
  }
  return scanRefusal(bars, symbols) ?? bars;
}

/**
 * features.sql's outer SELECT (`outer`) over the window values of `bars`, with the symbols as `symbolType` (the ENUM
 * the bars' codes index). The relation stays readable until release() is called.
 */
export async function windowScanQuery(
  conn: DuckDBConnection,
  outer: string,
  bars: ScanBars,
  symbolType: string,
  symbols: readonly string[],
): Promise<WindowScanQuery> {
  let slot = feeds.get(conn);
  if (!slot) {
    slot = { feed: null };
    feeds.set(conn, slot);
    conn.registerTableFunction(tableFunction(slot));
  }
  const feed: Feed = { bars, scan: new WindowScan(bars), block: windowBlock(CHUNK_ROWS), stopped: false };
  slot.feed = feed;
  // The symbol joins back by code, as the ENUM features.sql's input has (its type is what the `features` file gets).
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${SYMBOLS} AS SELECT CAST(i AS INTEGER) AS symbol_code,
       CAST(enum_range(NULL::${symbolType})[i + 1] AS ${symbolType}) AS symbol FROM range(${symbols.length}) t(i)`,
  );
  const count = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${SYMBOLS}`)).getRowsJS()[0]![0]);
  if (count !== symbols.length) throw new Error(`${SYMBOLS} holds ${count} symbols, not ${symbols.length}`);
  const sql = `${outer}
FROM (SELECT s.symbol, w.* EXCLUDE (symbol_code) FROM ${FUNCTION}() w JOIN ${SYMBOLS} s USING (symbol_code)) w`;
  return {
    sql,
    run: (statement) =>
      holdExitDuring(statement, () => {
        feed.stopped = true;
      }),
    release: async () => {
      slot.feed = null;
      await conn.run(`DROP TABLE IF EXISTS ${SYMBOLS}`);
    },
  };
}

function tableFunction(slot: Slot): DuckDBTableFunction {
  return DuckDBTableFunction.create({
    name: FUNCTION,
    bindFunction: (info) => {
      for (const [name, type] of COLUMNS) info.addResultColumn(name, type);
      if (slot.feed) info.setCardinality(slot.feed.bars.length, true);
    },
    initFunction: (info) => {
      if (!slot.feed) {
        info.setError(`${FUNCTION}: no bars to scan`);
        return;
      }
      // DuckDB's threads take the chunks as they come: the expressions and the Parquet encoding run on all of
      // them while this thread fills the next.
      info.setMaxThreads(64);
      slot.feed.scan = new WindowScan(slot.feed.bars);
    },
    mainFunction: (info, out) => {
      const feed = slot.feed;
      if (!feed || feed.stopped) {
        info.setError(`${FUNCTION}: ${feed ? 'stopped (the process is exiting)' : 'no bars to scan'}`);
        out.rowCount = 0;
        return;
      }
      try {
        const at = feed.scan.position;
        const n = feed.scan.next(CHUNK_ROWS, feed.block);
        out.rowCount = n;
        if (n > 0) writeChunk(out, feed.bars, at, n, feed.block);
      } catch (err) {
        info.setError(`${FUNCTION}: ${(err as Error).message}`);
        out.rowCount = 0;
      }
    },
  });
}

/** The vectors' raw storage, which node-api keeps private: bulk copies instead of ~13 M setItem calls. */
interface RawVector {
  items?: Int32Array | Float64Array;
  dataView?: DataView;
  setItem(index: number, value: null): void;
  flush(): void;
}

function vector(chunk: DuckDBDataChunk, column: number): RawVector {
  return chunk.getColumnVector(column) as unknown as RawVector;
}

function items<T extends Int32Array | Float64Array>(chunk: DuckDBDataChunk, column: number): T {
  return vector(chunk, column).items as T;
}

function allValid(chunk: DuckDBDataChunk, column: number): boolean {
  const v = chunk.getColumnVector(column) as unknown as {
    validity: { data: unknown; itemValid(i: number): boolean };
  };
  if (v.validity.data === null) return true;
  for (let r = 0; r < chunk.rowCount; r++) if (!v.validity.itemValid(r)) return false;
  return true;
}

const TWO_32 = 4294967296;

/** A DECIMAL(18,6) column's int64 values as doubles (exact below 2^53), without BigInt. */
function readInt64(chunk: DuckDBDataChunk, column: number, n: number, into: Float64Array, at: number): void {
  const view = vector(chunk, column).dataView!;
  const words = new Int32Array(view.buffer, view.byteOffset, n * 2);
  for (let r = 0; r < n; r++) into[at + r] = words[2 * r + 1]! * TWO_32 + (words[2 * r]! >>> 0);
}

/** Integer doubles into a DECIMAL(18,6) vector's int64 slots (NaN = NULL). */
function writeInt64(v: RawVector, values: Float64Array, from: number, n: number): void {
  const view = v.dataView!;
  const words = new Int32Array(view.buffer, view.byteOffset, n * 2);
  for (let r = 0; r < n; r++) {
    const x = values[from + r]!;
    if (Number.isNaN(x)) {
      v.setItem(r, null);
      continue;
    }
    const hi = Math.floor(x / TWO_32);
    words[2 * r] = x - hi * TWO_32;
    words[2 * r + 1] = hi;
  }
  v.flush();
}

function writeNumbers(v: RawVector, values: Int32Array | Float64Array, nulls: boolean): void {
  (v.items as typeof values).set(values);
  if (nulls) for (let r = 0; r < values.length; r++) if (Number.isNaN(values[r])) v.setItem(r, null);
  v.flush();
}

function writeChunk(out: DuckDBDataChunk, bars: ScanBars, at: number, n: number, w: WindowBlock): void {
  const to = at + n;
  writeNumbers(vector(out, 0), bars.symbol.subarray(at, to), false);
  writeNumbers(vector(out, 1), bars.day.subarray(at, to), false);
  writeNumbers(vector(out, 2), bars.adjClose.subarray(at, to), false);
  writeInt64(vector(out, 3), bars.micros, at, n);
  writeNumbers(vector(out, 4), w.prevAdjClose.subarray(0, n), true);
  writeNumbers(vector(out, 5), w.barIndex.subarray(0, n), false);
  writeInt64(vector(out, 6), w.sum50, 0, n);
  writeInt64(vector(out, 7), w.sum200, 0, n);
  writeInt64(vector(out, 8), w.max252, 0, n);
  writeInt64(vector(out, 9), w.min252, 0, n);
}
