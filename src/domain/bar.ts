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
