import type { SymbolFailure } from '../sources/source.ts';
import type { SymbolList } from '../sources/symbols.ts';
import { BfError } from '../util/errors.ts';

/** Default of `--min-symbols` / the Action's `min-symbols`: a run needs at least one symbol with data. */
export const DEFAULT_MIN_SYMBOLS = 1;

/**
 * Splits the list into symbols with prices in the lake and the ones skipped (with the fetch's reason when this run
 * fetched them), and fails (exit 1) when fewer than `minSymbols` have data: one bad name never sinks a run.
 */
export function symbolsWithData(
  list: SymbolList,
  inLake: readonly string[],
  opts: { minSymbols: number; reasons: readonly SymbolFailure[]; location: string },
): { used: string[]; skipped: SymbolFailure[] } {
  const present = new Set(inLake);
  const reasons = new Map(opts.reasons.map((f) => [f.symbol, f.reason]));
  const used = list.symbols.filter((s) => present.has(s));
  const skipped = list.symbols
    .filter((s) => !present.has(s))
    .map((symbol) => ({
      symbol,
      reason: reasons.get(symbol) ?? `no prices in the lake at ${opts.location}`,
    }));
  if (used.length < opts.minSymbols) {
    const detail = skipped.map((f) => `${f.symbol} (${f.reason})`).join('; ');
    throw new BfError(
      `only ${used.length} of ${list.symbols.length} symbols of ${list.name} have prices, fewer than the ${opts.minSymbols} required (--min-symbols); skipped: ${detail}`,
      {
        hint: 'fetch the skipped symbols (bf data fetch), fix or remove them from the list, or lower --min-symbols',
      },
    );
  }
  return { used, skipped };
}
