export const SIGNAL_NAMES = [
  'zweig_breadth_thrust',
  'deemer_breadth_thrust',
  'whaley_breadth_thrust',
] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** One firing of a signal: `value` is the indicator value that crossed the threshold on `date`. */
export interface SignalEvent {
  date: string;
  signal: SignalName;
  value: number;
}
