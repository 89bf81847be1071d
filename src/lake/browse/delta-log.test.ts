import { describe, expect, it } from 'vitest';
import {
  type Action,
  chooseCheckpoint,
  commitVersion,
  DeltaLogError,
  duckdbType,
  replay,
  statsRange,
} from './delta-log.ts';

// Commit texts in the shape Delta Lake writes them (one JSON action per line; see the Delta protocol's
// "Actions" section): protocol + metaData + add on creation, remove + add on overwrite, commitInfo each time.
const schema = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'symbol', type: 'string', nullable: true, metadata: {} },
    { name: 'date', type: 'date', nullable: true, metadata: {} },
    { name: 'close', type: 'double', nullable: true, metadata: {} },
  ],
});
const stats = (n: number, lo: string, hi: string) =>
  JSON.stringify({ numRecords: n, minValues: { date: lo }, maxValues: { date: hi }, nullCount: {} });
const lines = (...actions: object[]) => actions.map((a) => JSON.stringify(a)).join('\n');

const v0 = lines(
  {
    commitInfo: {
      timestamp: 1_764_000_000_000,
      operation: 'WRITE',
      operationMetrics: { numFiles: '2', numOutputRows: '30' },
    },
  },
  { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
  { metaData: { id: 'x', format: { provider: 'parquet' }, schemaString: schema, partitionColumns: [] } },
  {
    add: {
      path: 'part-0.parquet',
      size: 100,
      dataChange: true,
      stats: stats(10, '2024-01-02', '2024-02-01'),
    },
  },
  {
    add: {
      path: 'part%201.parquet',
      size: 200,
      dataChange: true,
      stats: stats(20, '2023-12-01', '2024-01-31'),
    },
  },
);
const v1 = lines(
  {
    commitInfo: {
      timestamp: 1_764_000_060_000,
      operation: 'MERGE',
      operationMetrics: { numTargetRowsInserted: '5' },
    },
  },
  { remove: { path: 'part-0.parquet', deletionTimestamp: 1_764_000_060_000, dataChange: true } },
  {
    add: {
      path: 'part-2.parquet',
      size: 150,
      dataChange: true,
      stats: stats(15, '2024-01-02', '2024-03-01'),
    },
  },
);

describe('Delta log replay', () => {
  it('gives the latest files, schema and per-version history with rows from file stats', () => {
    const s = replay([
      { version: 1, text: v1 },
      { version: 0, text: v0 },
    ]);
    expect(s.version).toBe(1);
    expect(s.files.map((f) => [f.path, f.size, f.numRecords])).toEqual([
      ['part 1.parquet', 200, 20],
      ['part-2.parquet', 150, 15],
    ]);
    expect(s.schema.map((f) => [f.name, duckdbType(f.type)])).toEqual([
      ['symbol', 'VARCHAR'],
      ['date', 'DATE'],
      ['close', 'DOUBLE'],
    ]);
    expect(s.history).toEqual([
      {
        version: 0,
        timestamp: '2025-11-24T16:00:00.000Z',
        operation: 'WRITE',
        metrics: { numFiles: '2', numOutputRows: '30' },
        rows: 30,
        files: 2,
      },
      {
        version: 1,
        timestamp: '2025-11-24T16:01:00.000Z',
        operation: 'MERGE',
        metrics: { numTargetRowsInserted: '5' },
        rows: 35,
        files: 2,
      },
    ]);
    expect(statsRange(s.files, 'date')).toEqual({ first: '2023-12-01', last: '2024-03-01' });
    expect(statsRange(s.files, 'close')).toBeNull();
  });

  it.each([
    [[{ version: 1, text: v1 }], /starts at version 1/],
    [
      [
        { version: 0, text: v0 },
        { version: 2, text: v1 },
      ],
      /commit 1 is missing/,
    ],
    [[{ version: 0, text: `${v0}\n{"add": ` }], /commit 0 line 6 is not JSON/],
    [[{ version: 0, text: lines({ add: { path: 'a', size: 1 } }) }], /no metaData/],
    [[], /no commits/],
  ])('refuses a broken log: %#', (commits, message) => {
    expect(() => replay(commits)).toThrow(DeltaLogError);
    expect(() => replay(commits)).toThrow(message);
  });

  it('rows are unknown when a file has no stats; deletion vectors are flagged', () => {
    const s = replay([
      {
        version: 0,
        text: lines(
          { metaData: { schemaString: schema } },
          { add: { path: 'a.parquet', size: 1, deletionVector: { storageType: 'u', pathOrInlineDv: 'x' } } },
        ),
      },
    ]);
    expect(s.history[0]?.rows).toBeNull();
    expect(s.files[0]?.hasDeletionVector).toBe(true);
  });

  it('knows commit files from other log files', () => {
    expect(commitVersion('lake/prices/_delta_log/00000000000000000007.json')).toBe(7);
    expect(commitVersion('lake/prices/_delta_log/00000000000000000010.checkpoint.parquet')).toBeNull();
    expect(commitVersion('lake/prices/_delta_log/_last_checkpoint')).toBeNull();
    expect(commitVersion('lake/prices/_delta_log/.00000000000000000000.json.crc')).toBeNull();
  });

  it('maps Delta types to the types DuckDB reads from the Parquet files', () => {
    expect(duckdbType('long')).toBe('BIGINT');
    expect(duckdbType('decimal(10,2)')).toBe('DECIMAL(10,2)');
    expect(duckdbType({ type: 'struct', fields: [] })).toBeNull();
  });
});

describe('starting from a checkpoint (commits before it cleaned up)', () => {
  const log = (v: number, suffix = 'json') => `lake/t/_delta_log/${String(v).padStart(20, '0')}.${suffix}`;

  it('picks the newest complete checkpoint only when commit 0 is gone', () => {
    expect(chooseCheckpoint([log(0), log(1), log(10, 'checkpoint.parquet')])).toBeNull();
    expect(
      chooseCheckpoint([
        log(10, 'checkpoint.parquet'),
        log(20, 'checkpoint.0000000001.0000000002.parquet'),
        log(11),
        log(20),
        log(21),
      ]),
    ).toEqual({ version: 10, keys: [log(10, 'checkpoint.parquet')] });
    expect(
      chooseCheckpoint([
        log(20, 'checkpoint.0000000002.0000000002.parquet'),
        log(20, 'checkpoint.0000000001.0000000002.parquet'),
      ]),
    ).toEqual({
      version: 20,
      keys: [
        log(20, 'checkpoint.0000000001.0000000002.parquet'),
        log(20, 'checkpoint.0000000002.0000000002.parquet'),
      ],
    });
    expect(chooseCheckpoint([log(3), log(4)])).toBeNull();
  });

  it('replays the commits after the checkpoint on top of its state; its own commit gives time and operation', () => {
    // The state at version 0 as a checkpoint holds it (add + metaData actions), then commit 1 on top.
    const base = {
      version: 0,
      actions: v0
        .split('\n')
        .map((l) => JSON.parse(l) as Action)
        .filter((a) => a.add || a.metaData),
    };
    const s = replay([{ version: 1, text: v1 }], base);
    expect(s.version).toBe(1);
    expect(s.files.map((f) => f.path)).toEqual(['part 1.parquet', 'part-2.parquet']);
    expect(s.history.map((h) => [h.version, h.operation, h.rows])).toEqual([
      [0, 'unknown (from checkpoint)', 30],
      [1, 'MERGE', 35],
    ]);
    const withOwn = replay(
      [
        { version: 0, text: v0 },
        { version: 1, text: v1 },
      ],
      base,
    );
    expect(withOwn.history[0]).toMatchObject({ version: 0, operation: 'WRITE', rows: 30 });
    expect(() => replay([{ version: 2, text: v1 }], base)).toThrow(/commit 1 is missing/);
  });
});
