/**
 * Synthetic breadth rows for seeding the sink: `lists` symbol lists × `days` consecutive days, every (list, date)
 * key distinct, the values varied but deterministic. What the sink benchmarks and fault cases put on the topic.
 */
import type { BreadthSeriesRow } from '../../src/domain/breadth.ts';

export interface BacklogList {
  list: string;
  series: BreadthSeriesRow[];
}

/** `lists` lists named `<prefix><n>`, `days` rows each from `start` on; stops once `total` rows are made, when given. */
export function breadthBacklog(opts: {
  prefix: string;
  lists: number;
  days: number;
  start: string;
  total?: number;
}): BacklogList[] {
  const out: BacklogList[] = [];
  let made = 0;
  const limit = opts.total ?? Number.POSITIVE_INFINITY;
  for (let l = 0; l < opts.lists && made < limit; l++) {
    const series: BreadthSeriesRow[] = [];
    const d = new Date(`${opts.start}T00:00:00Z`);
    for (let i = 0; i < opts.days && made < limit; i++, made++) {
      const adv = 10 + ((i * 13 + l) % 30);
      series.push({
        date: d.toISOString().slice(0, 10),
        advancers: adv,
        decliners: 40 - adv,
        unchanged: 2,
        issues: 42,
        aboveSma50: adv,
        withSma50: 42,
        aboveSma200: 20,
        withSma200: 42,
        newHighs: i % 7,
        newLows: i % 5,
        ewReturn: (adv - 20) / 1000,
        adRatio: adv / 40,
        zweigEma: 0.5,
        adLine: i * 3,
        mcclellan: (i % 50) - 25,
        fracAboveSma50: adv / 42,
        fracAboveSma200: 0.47,
      });
      d.setUTCDate(d.getUTCDate() + 1);
    }
    out.push({ list: `${opts.prefix}${l}`, series });
  }
  return out;
}
