import { TRADING_DAYS_PER_YEAR } from '../backtest/metrics.ts';
import type { DateRange } from '../domain/bar.ts';

/**
 * What a reader must know before trusting the numbers of a run: a range too short to annualise, dates after
 * today, a hold longer than the data. Shown on stderr and at the top of the report (pure; `today` injected).
 */
export function runWarnings(input: {
  range: DateRange;
  tradingDays: number;
  holdDays?: number;
  today?: string;
}): string[] {
  const out: string[] = [];
  const today = input.today ?? new Date().toISOString().slice(0, 10);
  if (input.tradingDays < TRADING_DAYS_PER_YEAR) {
    out.push(
      `the range holds ${input.tradingDays} trading days, less than a year (${TRADING_DAYS_PER_YEAR}): CAGR, volatility, Sharpe and Sortino are annualised from too little data to mean much`,
    );
  }
  // --start/--end after today are refused before any work, so a range ending later comes from the data itself
  // (csv:DIR's default range is what the files hold): bars dated in the future, which no close can be.
  if (input.range.end > today) {
    out.push(
      `the data holds dates after today (${today}), up to ${input.range.end}: no close can be dated in the future; check the source's dates`,
    );
  }
  if (input.holdDays !== undefined && input.holdDays >= input.tradingDays) {
    out.push(
      `a hold of ${input.holdDays} trading days is as long as the data or longer (${input.tradingDays} trading days): no trade can complete inside the range`,
    );
  }
  return out;
}
