import { describe, expect, it } from 'vitest';
import { serviceLogBlock } from '../../infra/service-logs.ts';
import { SparkJobError } from './spark-engine.ts';

const outcome = {
  exitCode: 1,
  results: [],
  error: {
    index: 0,
    op: 'merge-prices',
    error: 'FAILED_READ_FILE',
    message: 'Error while reading file s3a://lake/x\nat …',
  },
  stderrTail: ['driver line 1', 'driver line 2'],
  durationMs: 1500,
};

describe('SparkJobError', () => {
  it("carries the driver's log tail and, when given, the store's, each under the one header shape readers look for", () => {
    const e = new SparkJobError(
      'merge-prices',
      'spark-sql',
      outcome,
      serviceLogBlock('s3', ['s3-1 | E0101 volume not found']),
    );
    expect(e.message).toBe(
      [
        'spark engine: merge-prices: Spark job on spark-sql failed after 1.5 s: merge-prices failed: FAILED_READ_FILE: Error while reading file s3a://lake/x',
        '--- spark-sql: last 2 log lines ---',
        'driver line 1',
        'driver line 2',
        '--- s3: last 1 log lines ---',
        's3-1 | E0101 volume not found',
      ].join('\n'),
    );
    expect(e.hint).toContain('bf infra logs --service spark-sql');
  });

  it("without the store's log it ends with the driver's", () => {
    const e = new SparkJobError('sql', 'spark-sql', outcome);
    expect(e.message.endsWith('--- spark-sql: last 2 log lines ---\ndriver line 1\ndriver line 2')).toBe(
      true,
    );
  });
});
