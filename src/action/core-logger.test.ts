import { describe, expect, it } from 'vitest';
import { coreLogger } from './core-logger.ts';

describe('coreLogger', () => {
  it('prints progress as a log line only after intervalMs without one; the rest goes to debug', () => {
    let t = 0;
    const lines: string[] = [];
    const log = coreLogger(
      {
        info: (m) => lines.push(`info ${m}`),
        warning: (m) => lines.push(`warning ${m}`),
        error: (m) => lines.push(`error ${m}`),
        debug: (m) => lines.push(`debug ${m}`),
      },
      { intervalMs: 5000, now: () => t },
    );
    log.info('stage fetch: 1.0 s');
    t = 1000;
    log.progress('  … 3/25 symbols');
    t = 5000;
    log.progress('  … 10/25 symbols');
    t = 6000;
    log.progress('  … 11/25 symbols');
    t = 10_000;
    log.progress('  … 20/25 symbols');
    expect(lines).toEqual([
      'info stage fetch: 1.0 s',
      'debug   … 3/25 symbols',
      'info … 10/25 symbols',
      'debug   … 11/25 symbols',
      'info … 20/25 symbols',
    ]);
  });
});
