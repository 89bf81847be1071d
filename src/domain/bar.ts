/**
 * One daily bar as every source delivers it. `date` is the exchange-local trading date, ISO `YYYY-MM-DD`.
 * Breadth uses `adjClose` only; the other fields are kept for the lake and may be null when a source lacks them.
 */
export interface DailyBar {
  symbol: string;
  date: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  adjClose: number;
  volume: number | null;
}

/** Inclusive date range, ISO `YYYY-MM-DD`. */
export interface DateRange {
  start: string;
  end: string;
}

/**
 * Prices must stay below this: features.sql rounds adjusted closes to DECIMAL(18,6) (12 integer digits) on both
 * engines, so a larger value cannot be stored exactly and the cast fails.
 */
export const MAX_PRICE = 1e12;

/** "Every date there is": the default range of sources that hold their own history (csv:DIR). */
export const ALL_DATES: DateRange = { start: '0001-01-01', end: '9999-12-31' };

/** A range for messages: `2020-01-01 → 2024-12-31`, or `all dates` for ALL_DATES. */
export function describeRange(range: DateRange): string {
  if (range.start === ALL_DATES.start && range.end === ALL_DATES.end) return 'all dates in the source';
  return `${range.start} → ${range.end}`;
}
