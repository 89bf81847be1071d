/**
 * One row of the daily breadth table as the engines produce it from `sql/breadth.sql`
 * (identical on DuckDB and Spark). Counts only; ratios and recursions are derived in TypeScript.
 */
export interface BreadthDay {
  date: string;
  /** Symbols whose adj close rose vs their own previous available bar. */
  advancers: number;
  decliners: number;
  unchanged: number;
  /** Symbols with a bar on this date (including first bars, which give no advance/decline). */
  issues: number;
  /** Symbols above / with a defined 50- and 200-bar SMA on this date. */
  aboveSma50: number;
  withSma50: number;
  aboveSma200: number;
  withSma200: number;
  /** Symbols making a new 252-bar high / low on this date. */
  newHighs: number;
  newLows: number;
  /** Mean of the symbols' one-bar returns on this date: the equal-weight index return. Null when no symbol has one. */
  ewReturn: number | null;
}

/** A breadth row with the series derived from it in TypeScript (one implementation for both engines). */
export interface BreadthSeriesRow extends BreadthDay {
  /** A / (A + D); null when A + D = 0. */
  adRatio: number | null;
  /** Zweig EMA10 of adRatio (alpha 2/11, seeded with the first ratio, unchanged on A + D = 0 days). */
  zweigEma: number | null;
  /** Cumulative sum of A - D. */
  adLine: number;
  /** EMA19 - EMA39 of A - D (alpha 0.10 / 0.05). */
  mcclellan: number | null;
  fracAboveSma50: number | null;
  fracAboveSma200: number | null;
}
