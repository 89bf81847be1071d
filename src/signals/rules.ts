/**
 * The breadth-thrust rules and the one place their thresholds and windows live.
 * Each rule reads a derived breadth series (see breadth-series.ts) and returns its firings.
 *
 * Conventions shared by every rule:
 * - Windows count trading days, i.e. rows of the series (calendar gaps do not matter).
 * - A firing is a strict upward crossing: value_t > threshold AND value_{t−1} ≤ threshold.
 *   Equality with the threshold on day t does not fire.
 * - Both value_t and value_{t−1} must be defined. A day whose ratio is undefined (window not yet full,
 *   or a zero denominator) never fires, and the day after it cannot fire either: a crossing is only
 *   recognised from a defined previous value (conservative; avoids firing on a data hole).
 * - The first row of a series never fires (it has no previous day).
 */
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import { SIGNAL_NAMES, type SignalEvent, type SignalName } from '../domain/signal.ts';
import { ratioOrNull, rollingSum } from './indicators.ts';

/** Zweig: EMA10 of A/(A+D) rises from below 0.40 to above 0.615 within 10 trading days. */
export const ZWEIG = {
  /** EMA10 alpha = 2 / (10 + 1). */
  emaAlpha: 2 / 11,
  thrustAbove: 0.615,
  oversoldBelow: 0.4,
  /** The oversold reading must occur on one of the previous `lookbackDays` rows (t−10 … t−1). */
  lookbackDays: 10,
} as const;

/** McClellan oscillator alphas (EMA19 ≈ 0.10, EMA39 = 0.05, the conventional values). */
export const MCCLELLAN = { fastAlpha: 0.1, slowAlpha: 0.05 } as const;

/** Deemer: 10-day ΣA / ΣD crosses above 1.97. */
export const DEEMER = { windowDays: 10, thrustAbove: 1.97 } as const;

/** Whaley: 5-day ΣA / (ΣA + ΣD) crosses above 0.7366. */
export const WHALEY = { windowDays: 5, thrustAbove: 0.7366 } as const;

export type SignalRuleFn = (series: readonly BreadthSeriesRow[]) => SignalEvent[];

export interface SignalRule {
  name: SignalName;
  description: string;
  detect: SignalRuleFn;
}

/** Indices t where values[t] > threshold and values[t−1] ≤ threshold, both defined. */
export function upwardCrossings(values: readonly (number | null)[], threshold: number): number[] {
  const out: number[] = [];
  for (let t = 1; t < values.length; t++) {
    const cur = values[t];
    const prev = values[t - 1];
    if (cur == null || prev == null) continue;
    if (cur > threshold && prev <= threshold) out.push(t);
  }
  return out;
}

export const zweigBreadthThrust: SignalRuleFn = (series) => {
  const ema = series.map((r) => r.zweigEma);
  const events: SignalEvent[] = [];
  for (const t of upwardCrossings(ema, ZWEIG.thrustAbove)) {
    let oversold = false;
    // Rows t−lookbackDays … t−1; fewer at the start of the series. Null EMAs (before the first ratio) never count.
    for (let k = Math.max(0, t - ZWEIG.lookbackDays); k < t; k++) {
      const v = ema[k];
      if (v != null && v < ZWEIG.oversoldBelow) {
        oversold = true;
        break;
      }
    }
    if (oversold) events.push({ date: series[t]!.date, signal: 'zweig_breadth_thrust', value: ema[t]! });
  }
  return events;
};

/** 10-day ΣA / ΣD per row; null until 10 rows exist or when ΣD = 0. */
export function deemerRatios(series: readonly BreadthSeriesRow[]): (number | null)[] {
  const sumA = rollingSum(
    series.map((r) => r.advancers),
    DEEMER.windowDays,
  );
  const sumD = rollingSum(
    series.map((r) => r.decliners),
    DEEMER.windowDays,
  );
  return sumA.map((a, t) => (a === null ? null : ratioOrNull(a, sumD[t]!)));
}

export const deemerBreadthThrust: SignalRuleFn = (series) => {
  const ratio = deemerRatios(series);
  return upwardCrossings(ratio, DEEMER.thrustAbove).map((t) => ({
    date: series[t]!.date,
    signal: 'deemer_breadth_thrust',
    value: ratio[t]!,
  }));
};

/** 5-day ΣA / (ΣA + ΣD) per row; null until 5 rows exist or when ΣA + ΣD = 0. */
export function whaleyRatios(series: readonly BreadthSeriesRow[]): (number | null)[] {
  const sumA = rollingSum(
    series.map((r) => r.advancers),
    WHALEY.windowDays,
  );
  const sumD = rollingSum(
    series.map((r) => r.decliners),
    WHALEY.windowDays,
  );
  return sumA.map((a, t) => (a === null ? null : ratioOrNull(a, a + sumD[t]!)));
}

export const whaleyBreadthThrust: SignalRuleFn = (series) => {
  const ratio = whaleyRatios(series);
  return upwardCrossings(ratio, WHALEY.thrustAbove).map((t) => ({
    date: series[t]!.date,
    signal: 'whaley_breadth_thrust',
    value: ratio[t]!,
  }));
};

export const SIGNAL_RULES: Record<SignalName, SignalRule> = {
  zweig_breadth_thrust: {
    name: 'zweig_breadth_thrust',
    description:
      `Zweig breadth thrust: the ${ZWEIG.lookbackDays}-day EMA of A/(A+D) (alpha 2/11) crosses above ` +
      `${ZWEIG.thrustAbove} after being below ${ZWEIG.oversoldBelow} on one of the previous ` +
      `${ZWEIG.lookbackDays} trading days.`,
    detect: zweigBreadthThrust,
  },
  deemer_breadth_thrust: {
    name: 'deemer_breadth_thrust',
    description:
      `Deemer breadth thrust: the ${DEEMER.windowDays}-day sum of advancers divided by the ` +
      `${DEEMER.windowDays}-day sum of decliners crosses above ${DEEMER.thrustAbove}.`,
    detect: deemerBreadthThrust,
  },
  whaley_breadth_thrust: {
    name: 'whaley_breadth_thrust',
    description: `Whaley breadth thrust: ${WHALEY.windowDays}-day ΣA / (ΣA + ΣD) crosses above ${WHALEY.thrustAbove}.`,
    detect: whaleyBreadthThrust,
  },
};

/** Firings of the named rules (default: all), sorted by date, then by signal name. */
export function generateSignals(
  series: readonly BreadthSeriesRow[],
  names: readonly SignalName[] = SIGNAL_NAMES,
): SignalEvent[] {
  const events = [...new Set(names)].flatMap((n) => SIGNAL_RULES[n].detect(series));
  return events.sort((a, b) =>
    a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.signal < b.signal ? -1 : a.signal > b.signal ? 1 : 0,
  );
}
