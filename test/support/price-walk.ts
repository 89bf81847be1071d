/**
 * A seeded random walk of closes on a quarter-dollar grid, never below 0.25: equal closes (unchanged days, ties at
 * the 252-bar max/min) happen, and the same seed gives the same walk.
 */
export function priceWalk(seed: number, n: number): number[] {
  let s = seed;
  const rand = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const out: number[] = [];
  let p = 20 + seed;
  for (let i = 0; i < n; i++) {
    p = Math.max(0.25, p + Math.round((rand() - 0.5) * 4) / 4);
    out.push(p);
  }
  return out;
}
