import type { DateRange } from '../domain/bar.ts';

/**
 * Where a symbol's bars in the lake came from, per date segment: each fetch that delivered bars for a symbol adds
 * a segment for the range it asked for (the source is authoritative there). Kept in the prices table's metadata,
 * written with the prices version it describes, so a run's label and `metrics.json` name the sources of exactly
 * the bars it used (its symbols, its range), whatever else the lake holds.
 */
export interface LineageSegment {
  source: string;
  synthetic: boolean;
  /** The range the fetch asked the source for. */
  start: string;
  end: string;
  /** ISO time of the fetch. */
  fetchedAt: string;
}

/** Symbol → its segments, oldest first; later segments win where they overlap. */
export type Lineage = Record<string, LineageSegment[]>;

/** What one fetch delivered, for `nextLineage`. */
export interface FetchLineage {
  source: string;
  synthetic: boolean;
  range: DateRange;
  fetchedAt: string;
  /** Symbols the fetch delivered bars for. */
  symbols: readonly string[];
  /**
   * Symbols whose older bars in the range stay although the source no longer has them (kept, not `--replace`d):
   * their older segments stay too, so the label keeps naming the older source.
   */
  keptOlder: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;
const shift = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** `seg` minus `range`: none, one or two pieces. */
function cut(seg: LineageSegment, range: DateRange): LineageSegment[] {
  if (seg.end < range.start || seg.start > range.end) return [seg];
  const out: LineageSegment[] = [];
  if (seg.start < range.start) out.push({ ...seg, end: shift(range.start, -1) });
  if (seg.end > range.end) out.push({ ...seg, start: shift(range.end, 1) });
  return out;
}

/**
 * The lineage after a fetch. `previous` is the table's lineage (absent on lakes written before it existed: then
 * every symbol already in the lake gets one open segment from the lake-wide `legacy` source).
 */
export function nextLineage(
  previous: Lineage | undefined,
  lakeSymbols: readonly string[],
  legacy: { source: string; synthetic: boolean } | null,
  fetch: FetchLineage,
): Lineage {
  const out: Lineage = {};
  for (const s of lakeSymbols) {
    const prev = previous?.[s];
    if (prev) out[s] = prev.map((seg) => ({ ...seg }));
    else if (legacy) {
      out[s] = [{ ...legacy, start: '0001-01-01', end: '9999-12-31', fetchedAt: '' }];
    }
  }
  const added: LineageSegment = {
    source: fetch.source,
    synthetic: fetch.synthetic,
    start: fetch.range.start,
    end: fetch.range.end,
    fetchedAt: fetch.fetchedAt,
  };
  for (const s of fetch.symbols) {
    const older = out[s] ?? [];
    const kept = fetch.keptOlder.has(s) ? older : older.flatMap((seg) => cut(seg, fetch.range));
    out[s] = [...kept, added];
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Sources joined the way every output names them: sorted, distinct, `+` between. */
export function joinSources(names: Iterable<string>): string {
  return [...new Set([...names].flatMap((n) => n.split('+')).filter(Boolean))].sort().join('+');
}

/**
 * Source and synthetic flag of the bars a run uses: its symbols' segments overlapping its range. Symbols with
 * no lineage (older lakes) count with the lake-wide `fallback`.
 */
export function scopeLineage(
  lineage: Lineage | undefined,
  symbols: readonly string[],
  range: DateRange,
  fallback: { source: string; synthetic: boolean },
): { source: string; synthetic: boolean } {
  const sources: string[] = [];
  let synthetic = false;
  for (const s of symbols) {
    const segs = lineage?.[s];
    if (!segs) {
      sources.push(fallback.source);
      synthetic ||= fallback.synthetic;
      continue;
    }
    for (const seg of segs) {
      if (seg.end < range.start || seg.start > range.end) continue;
      sources.push(seg.source);
      synthetic ||= seg.synthetic;
    }
  }
  return { source: joinSources(sources) || fallback.source, synthetic };
}

/**
 * The `prices` lineage after a merge, as both engines record it: `existing` is the table's metadata before it,
 * `fetched` the symbols the fetch delivered bars for, `vanished` the symbols with bars in the range it lacked.
 */
export function pricesLineage(
  existing: { source: string; synthetic: boolean; symbols: string[]; lineage?: Lineage } | null,
  fetched: readonly string[],
  write: { source: string; synthetic: boolean; range: DateRange; fetchedAt: string; replace?: boolean },
  vanished: readonly { symbol: string }[],
): Lineage {
  return nextLineage(
    existing?.lineage,
    existing?.symbols ?? [],
    existing && !existing.lineage ? { source: existing.source, synthetic: existing.synthetic } : null,
    {
      source: write.source,
      synthetic: write.synthetic,
      range: write.range,
      fetchedAt: write.fetchedAt,
      symbols: fetched,
      keptOlder: new Set(write.replace ? [] : vanished.map((v) => v.symbol)),
    },
  );
}
