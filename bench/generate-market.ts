/**
 * A large synthetic market generated inside DuckDB (fast: no bars cross into JavaScript), written as the `prices`
 * table of a lake. Deterministic for a given seed: randomness comes from hash(seed, symbol, day), not random().
 *
 * Model: business days from 2005-01-03; each symbol's daily log return = beta * market(day) + own noise, so breadth
 * swings together and thrusts occur. About 15% of symbols list late and 10% delist early; prices are rounded to cents.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { Lake, TABLE, type TableMeta } from '../src/lake/index.ts';

export interface MarketSpec {
  symbols: number;
  years: number;
  seed?: number;
}

const TRADING_DAYS_PER_YEAR = 252;

/** SQL for a uniform (0, 1) number from an integer key expression. */
function uniform(key: string): string {
  return `((CAST(hash(${key}) >> 11 AS DOUBLE) + 0.5) / 9007199254740992.0)`;
}

/** SQL for a standard normal number (Box-Muller) from two integer key expressions. */
function normal(k1: string, k2: string): string {
  return `(sqrt(-2 * ln(${uniform(k1)})) * cos(2 * pi() * ${uniform(k2)}))`;
}

export async function generateMarket(workdir: string, spec: MarketSpec): Promise<TableMeta> {
  const lake = Lake.open(workdir);
  const seed = spec.seed ?? 42;
  const days = spec.years * TRADING_DAYS_PER_YEAR;
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: '2GB',
    preserve_insertion_order: 'false',
  });
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE TABLE days AS
      SELECT CAST(row_number() OVER (ORDER BY d) - 1 AS INTEGER) AS di, CAST(d AS DATE) AS date
      FROM generate_series(TIMESTAMP '2005-01-03', TIMESTAMP '2005-01-03' + INTERVAL ${Math.ceil(days * 1.5)} DAY, INTERVAL 1 DAY) t(d)
      WHERE isodow(d) <= 5
      ORDER BY d LIMIT ${days}`);
    await conn.run(`CREATE TABLE market AS
      SELECT di, 0.0003 + 0.009 * ${normal(`${seed} * 7 + di * 2`, `${seed} * 7 + di * 2 + 1`)} AS m FROM days`);
    await conn.run(`CREATE TABLE syms AS
      SELECT i AS si,
        'S' || lpad(CAST(i AS VARCHAR), 5, '0') AS symbol,
        CASE WHEN ${uniform(`${seed} * 13 + i * 4`)} < 0.15
          THEN CAST(floor(${uniform(`${seed} * 13 + i * 4 + 1`)} * ${days}) AS INTEGER) ELSE 0 END AS first_di,
        CASE WHEN ${uniform(`${seed} * 13 + i * 4 + 2`)} < 0.10
          THEN CAST(floor(${uniform(`${seed} * 13 + i * 4 + 3`)} * ${days}) AS INTEGER) ELSE ${days} END AS end_di,
        0.5 + ${uniform(`${seed} * 17 + i`)} AS beta,
        0.008 + 0.02 * ${uniform(`${seed} * 19 + i`)} AS vol,
        10 + 190 * ${uniform(`${seed} * 23 + i`)} AS start_price
      FROM range(${spec.symbols}) r(i)`);
    await conn.run(`CREATE TABLE bars AS
      SELECT s.symbol, d.date,
        round(s.start_price * exp(sum(s.beta * m.m + s.vol * ${normal(
          `(s.si * ${days} + d.di) * 2 + ${seed}`,
          `(s.si * ${days} + d.di) * 2 + 1 + ${seed}`,
        )}) OVER (PARTITION BY s.symbol ORDER BY d.di ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)), 2) AS px
      FROM syms s JOIN days d ON d.di >= s.first_di AND d.di < greatest(s.end_di, s.first_di + 1)
      JOIN market m ON m.di = d.di`);
    const symbols = (await conn.runAndReadAll('SELECT symbol FROM syms ORDER BY symbol'))
      .getRowsJS()
      .map((r) => String(r[0]));
    return await lake.writeTable(
      TABLE.prices,
      async (dir) => {
        const res = await conn.runAndReadAll(`COPY (
          SELECT symbol, date, CAST(NULL AS DOUBLE) AS open, CAST(NULL AS DOUBLE) AS high, CAST(NULL AS DOUBLE) AS low,
            greatest(px, 0.01) AS close, greatest(px, 0.01) AS adj_close, CAST(NULL AS DOUBLE) AS volume
          FROM bars ORDER BY symbol, date
        ) TO '${dir}/prices.parquet' (FORMAT parquet, COMPRESSION zstd)`);
        return { rows: Number(res.getRowsJS()[0]?.[0] ?? 0) };
      },
      { source: 'synthetic-bench', synthetic: true, rows: 0, symbols },
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

// `node bench/generate-market.ts <workdir> <symbols> <years>`: generate and print the table metadata.
if (import.meta.main) {
  const [workdir, symbols = '300', years = '20'] = process.argv.slice(2);
  if (!workdir) {
    process.stderr.write('usage: node bench/generate-market.ts <workdir> [symbols=300] [years=20]\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const meta = await generateMarket(workdir, { symbols: Number(symbols), years: Number(years) });
  process.stdout.write(
    `${JSON.stringify({ rows: meta.rows, symbols: meta.symbols.length, ms: Math.round(performance.now() - t0) })}\n`,
  );
}
