import type { SignalName } from './signal.ts';

export const FORWARD_HORIZONS = [5, 21, 63, 126, 252] as const;

/** Forward returns of the equal-weight index after each firing of one signal, at one horizon (trading days). */
export interface ForwardReturnStats {
  signal: SignalName;
  horizon: number;
  count: number;
  mean: number | null;
  median: number | null;
  /** Share of firings with a positive forward return. */
  hitRate: number | null;
}

export interface Trade {
  signal: SignalName;
  entryDate: string;
  exitDate: string;
  /** Trading days held. */
  days: number;
  return: number;
}

export interface PerformanceMetrics {
  cagr: number | null;
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  maxDrawdown: number;
  /** Share of days invested. */
  exposure: number;
  trades: number;
  totalReturn: number;
}

export interface EquityPoint {
  date: string;
  strategy: number;
  buyHold: number;
  strategyDrawdown: number;
  buyHoldDrawdown: number;
}

export interface SignalBacktest {
  signal: SignalName;
  holdDays: number;
  firings: number;
  forwardReturns: ForwardReturnStats[];
  trades: Trade[];
  strategy: PerformanceMetrics;
  buyHold: PerformanceMetrics;
  equity: EquityPoint[];
}
