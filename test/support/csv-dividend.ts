import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { YAHOO_CSV_HEADER } from '../../src/sources/csv.ts';

/** One symbol's rows in a directory of Yahoo CSVs (header dropped), in date order. */
export function csvRows(csvDir: string, symbol: string): string[] {
  return readFileSync(join(csvDir, `${symbol}.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
}

/**
 * Rewrites one symbol's CSV as Yahoo does after a dividend paid on `day`: every adjusted close before it scaled by
 * `factor`, that day's row and `null` rows as they were.
 */
export function readjustBefore(csvDir: string, symbol: string, day: string, factor = 0.985): void {
  const adjusted = csvRows(csvDir, symbol).map((r) => {
    const cells = r.split(',');
    if (cells[0] === day || cells[5] === 'null') return r;
    cells[5] = (Number(cells[5]) * factor).toFixed(6);
    return cells.join(',');
  });
  writeFileSync(join(csvDir, `${symbol}.csv`), `${YAHOO_CSV_HEADER}\n${adjusted.join('\n')}\n`);
}
