import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DailyBar, DateRange } from '../domain/bar.ts';
import type { Logger } from '../util/log.ts';
import { type FetchResult, noBarsReason, type PriceSource, type SymbolFailure } from './source.ts';

/** The header of Yahoo's historical-prices download, which is the format `csv:DIR` reads. */
export const YAHOO_CSV_HEADER = 'Date,Open,High,Low,Close,Adj Close,Volume';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export type CsvParse = { ok: true; bars: DailyBar[]; skippedRows: number } | { ok: false; reason: string };

/** A numeric cell, or null for `null`, empty or non-numeric cells (Yahoo writes `null` on missing days). */
function cellNumber(cell: string | undefined): number | null {
  const text = cell?.trim() ?? '';
  if (text === '' || text === 'null') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/**
 * Parses one Yahoo-format CSV into bars within `range`. A row is skipped (and counted) when its date is
 * malformed or its Close / Adj Close is null or empty; null Open/High/Low/Volume become null fields.
 */
export function parseYahooCsv(symbol: string, text: string, range: DateRange, origin: string): CsvParse {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').trim();
  if (header !== YAHOO_CSV_HEADER) {
    return {
      ok: false,
      reason: `${origin} has header "${header}"; expected "${YAHOO_CSV_HEADER}"`,
    };
  }
  const byDate = new Map<string, DailyBar>();
  let skippedRows = 0;
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const date = cells[0]?.trim() ?? '';
    if (!ISO_DATE.test(date) || cells.length !== 7) {
      skippedRows++;
      continue;
    }
    if (date < range.start || date > range.end) continue;
    const close = cellNumber(cells[4]);
    const adjClose = cellNumber(cells[5]);
    if (close === null || adjClose === null) {
      skippedRows++;
      continue;
    }
    byDate.set(date, {
      symbol,
      date,
      open: cellNumber(cells[1]),
      high: cellNumber(cells[2]),
      low: cellNumber(cells[3]),
      close,
      adjClose,
      volume: cellNumber(cells[6]),
    });
  }
  const bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { ok: true, bars, skippedRows };
}

/** `csv:DIR`: reads `DIR/<SYMBOL>.csv` per symbol; a missing or malformed file fails that symbol only. */
export function createCsvSource(dir: string): PriceSource {
  return {
    name: `csv:${dir}`,
    synthetic: false,
    async fetch(symbols: string[], range: DateRange, log: Logger): Promise<FetchResult> {
      const bars: DailyBar[] = [];
      const failures: SymbolFailure[] = [];
      let skippedRows = 0;
      let done = 0;
      for (const symbol of symbols) {
        done++;
        log.progress(`read ${done}/${symbols.length} ${symbol}`);
        const path = join(dir, `${symbol}.csv`);
        let text: string;
        try {
          text = await readFile(path, 'utf8');
        } catch (err) {
          const code = (err as { code?: string }).code;
          failures.push({
            symbol,
            reason: code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${String(err)}`,
          });
          continue;
        }
        const parsed = parseYahooCsv(symbol, text, range, path);
        if (!parsed.ok) {
          failures.push({ symbol, reason: parsed.reason });
        } else if (parsed.bars.length === 0) {
          failures.push({ symbol, reason: `${noBarsReason(range)} in ${path}` });
          skippedRows += parsed.skippedRows;
        } else {
          for (const bar of parsed.bars) bars.push(bar);
          skippedRows += parsed.skippedRows;
        }
      }
      return { bars, failures, skippedRows };
    },
  };
}
