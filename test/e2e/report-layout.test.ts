import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, chromiumMissing, launchChromium, type Page } from '../support/chromium.ts';
import { runBf } from '../support/run-bf.ts';

// A 20-year report.html from `bf pipeline run --out` (sample source), opened in headless Chromium and judged by its
// real layout: where the browser put the legend, the lines, the firing marks and the table. The structure of the
// same charts is checked in src/report/*.test.ts; this test looks at them as a reader does.
const missing = chromiumMissing();
// Skipped only on a developer's machine: in CI (.ci/run installs Chromium and sets CI=true) a missing browser
// fails the test instead of hiding it.
const required = process.env.CI === 'true' || process.env.CI === '1';
/** Where the screenshots go (kept after the run, for a person to look at). */
const SHOTS = process.env.BF_REPORT_SHOTS || join(tmpdir(), 'bf-report-20y-screenshots');
/** A desktop window: the report's column is at most 1120 px wide. */
const VIEWPORT = { width: 1280, height: 900 };
/** What the breadth chart was stuck at before it widened with the range (issue 15 §5). */
const STUCK_WIDTH = 530;
/** Measures the page: returns a Layout. */
const MEASURE = join(import.meta.dirname, '../support/report-layout.page.js');

interface Firing {
  date: string;
  signal: string;
}

/** What the page's layout says, measured in the browser (client pixels). */
interface Layout {
  equity: {
    figure: string;
    legends: number;
    legendArea: number;
    sampled: number;
    collisions: string[];
  }[];
  breadth: {
    width: number;
    intrinsicWidth: number;
    recentTitle: boolean;
    recentLineWidth: number;
    overviewLineWidth: number;
    ticks: { label: string; fill: string; top: number; bottom: number; width: number; inside: boolean }[];
    zweigMarks: string[];
  };
  table: { rows: string[][]; height: number; clippedBy: string[] };
}

let out: string;
let firings: Firing[];
let browser: Browser | undefined;
let page: Page;
let layout: Layout;

beforeAll(async () => {
  if (missing) {
    if (required) throw new Error(`headless Chromium is required in CI (CI=true): ${missing}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bf-report-20y-'));
  out = join(dir, 'out');
  const r = await runBf([
    'pipeline',
    'run',
    '--symbol-list',
    'demo_small',
    '--source',
    'sample',
    '--start',
    '2005-01-03',
    '--end',
    '2024-12-31',
    '--workdir',
    join(dir, 'wd'),
    '--out',
    out,
    '-q',
  ]);
  expect(r.code, r.stderr).toBe(0);
  firings = readFileSync(join(out, 'signals.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const [date, signal] = l.split(',') as [string, string];
      return { date, signal };
    });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setViewport({ ...VIEWPORT, deviceScaleFactor: 1 });
  // The report's CSP allows no script; the measuring script comes from the test, not the page.
  await page.setBypassCSP(true);
  await page.goto(pathToFileURL(join(out, 'report.html')).href, { waitUntil: 'load', timeout: 60_000 });
  // The measuring script is a browser script of its own (test/support/report-layout.page.js, DOM types).
  layout = await page.evaluate<Layout>(readFileSync(MEASURE, 'utf8'));
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, 'report-full.png'), fullPage: true });
  for (const [name, selector] of [
    ['breadth', '#breadth figure'],
    ['equity-first', 'figure[id^="equity-"]'],
    ['firings', '#firings'],
  ] as const) {
    await (await page.$(selector))?.screenshot({ path: join(SHOTS, `report-${name}.png`) });
  }
  console.log(
    `report-layout: screenshots of the 20-year report (${VIEWPORT.width}x${VIEWPORT.height}) in ${SHOTS}`,
  );
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

describe.skipIf(missing && !required)(
  `a 20-year report.html in headless Chromium${missing && !required ? ` (skipped: ${missing})` : ''}`,
  () => {
    it('has 20 years of firings of all three signals to show', () => {
      expect(new Set(firings.map((f) => f.signal))).toEqual(
        new Set(['zweig_breadth_thrust', 'deemer_breadth_thrust', 'whaley_breadth_thrust']),
      );
      expect(firings[0]!.date < '2007-01-01' && firings.at(-1)!.date > '2023-01-01').toBe(true);
    });

    it('no equity legend covers a plotted line, area or point (each curve sampled every 2 px)', () => {
      expect(layout.equity.length).toBe(3);
      for (const e of layout.equity) {
        expect(e.legends, e.figure).toBe(1);
        expect(e.legendArea, e.figure).toBeGreaterThan(100);
        expect(e.sampled, e.figure).toBeGreaterThan(1000);
        expect(e.collisions, e.figure).toEqual([]);
      }
    });

    it(`the breadth chart is wider than ${STUCK_WIDTH} px, with a recent-window panel over the overview`, () => {
      const b = layout.breadth;
      // The 20 years as drawn on screen: the overview's EMA line spans the plot.
      expect(b.overviewLineWidth).toBeGreaterThan(STUCK_WIDTH);
      expect(b.width).toBeGreaterThan(STUCK_WIDTH);
      // It fills the report's column (1120 px less padding) rather than a fixed box.
      expect(b.width).toBeGreaterThanOrEqual(Math.min(b.intrinsicWidth, 1120 - 56) - 1);
      // The recent window: its own panel, titled, drawn as wide as the overview.
      expect(b.recentTitle).toBe(true);
      expect(b.recentLineWidth).toBeGreaterThan(0.95 * b.overviewLineWidth);
    });

    it("marks every signal's firings, each signal in its own row and colour", () => {
      const b = layout.breadth;
      expect(b.ticks.map((t) => t.label).sort()).toEqual(firings.map((f) => `${f.signal} ${f.date}`).sort());
      for (const t of b.ticks) {
        expect(t.inside, t.label).toBe(true);
        expect(t.width, t.label).toBeGreaterThan(0.5);
      }
      const bySignal = new Map<string, typeof b.ticks>();
      for (const t of b.ticks) {
        const signal = t.label.split(' ')[0]!;
        bySignal.set(signal, [...(bySignal.get(signal) ?? []), t]);
      }
      const rows = [...bySignal.entries()].map(([signal, ticks]) => ({
        signal,
        fills: new Set(ticks.map((t) => t.fill)),
        top: Math.min(...ticks.map((t) => t.top)),
        bottom: Math.max(...ticks.map((t) => t.bottom)),
      }));
      expect(rows).toHaveLength(3);
      for (const r of rows) expect(r.fills.size, r.signal).toBe(1);
      expect(new Set(rows.map((r) => [...r.fills][0])).size).toBe(3);
      rows.sort((a, b) => a.top - b.top);
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.top).toBeGreaterThanOrEqual(rows[i - 1]!.bottom);
      // The Zweig triangles on the EMA: one per Zweig firing.
      expect(
        b.zweigMarks.map((l) => l.slice('Zweig firing '.length, 'Zweig firing '.length + 10)).sort(),
      ).toEqual(
        firings
          .filter((f) => f.signal === 'zweig_breadth_thrust')
          .map((f) => f.date)
          .sort(),
      );
    });

    it('the full firings table is in the page, not in a scroll box', () => {
      const t = layout.table;
      expect(t.rows.map((r) => r[0]).sort()).toEqual(firings.map((f) => f.date).sort());
      expect(t.clippedBy).toEqual([]);
      expect(t.height).toBeGreaterThan(firings.length * 20);
    });
  },
);
