/**
 * Issue 15 §5 (part): the report says what a reader must know first. Through the CLI: the latest firing of each
 * signal on the first line, the full firings table in the page, and warnings (stderr, report, metrics.json) for a
 * range too short to annualise and a hold longer than the data.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGNAL_NAMES } from '../../src/domain/signal.ts';
import { signalLabel } from '../../src/report/equity-chart.ts';
import { runBf as bf } from '../support/run-bf.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'bf-reading-'));
const TIMEOUT = 300_000;

describe('the report says first what a reader must know (issue 15 §5)', () => {
  it(
    'names each signal’s latest firing on its first line and lists every firing in the page',
    async () => {
      const dir = tmp();
      const out = join(dir, 'out');
      const r = await bf(['pipeline', 'run', '--workdir', join(dir, 'wd'), '--out', out, '-q']);
      expect(r.code, r.stderr).toBe(0);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      const firings = readFileSync(join(out, 'signals.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
      const end = readFileSync(join(out, 'breadth.csv'), 'utf8').trim().split('\n').at(-1)!.slice(0, 10);
      const latest = /<p class="latest" id="latest-firings">([^<]*)<\/p>/.exec(html)?.[1] ?? '';
      for (const signal of SIGNAL_NAMES) {
        const last = firings
          .filter((f) => f[1] === signal)
          .map((f) => f[0]!)
          .sort()
          .at(-1);
        expect(last).toBeDefined();
        const days = Math.round((Date.parse(end) - Date.parse(last!)) / 86_400_000);
        expect(latest).toContain(`${signalLabel(signal)}: ${last} (${days} days before ${end})`);
      }
      // The latest line comes before every other section of the page.
      expect(html.indexOf('id="latest-firings"')).toBeLessThan(html.indexOf('<section'));
      const table = /<table class="firings">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
      expect([...table.matchAll(/<tr><td>/g)]).toHaveLength(firings.length);
      expect(html).not.toContain('class="scroll"');
    },
    TIMEOUT,
  );

  it(
    'warns on stderr, in the report and in metrics.json about a 22-day range and a hold longer than the data',
    async () => {
      const dir = tmp();
      const out = join(dir, 'out');
      const r = await bf([
        'pipeline',
        'run',
        '--workdir',
        join(dir, 'wd'),
        '--start',
        '2024-06-03',
        '--end',
        '2024-07-02',
        '--hold-days',
        '5000',
        '--out',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/warning: the range holds 22 trading days, less than a year/);
      expect(r.stderr).toMatch(/warning: a hold of 5000 trading days is as long as the data or longer/);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).toContain('<strong>Read with care</strong>');
      expect(html).toContain('the range holds 22 trading days, less than a year');
      const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
      expect(metrics.run.warnings).toHaveLength(2);

      const plain = await bf(['pipeline', 'run', '--workdir', join(dir, 'wd'), '--out', join(dir, 'o2')]);
      expect(plain.code).toBe(0);
      expect(plain.stderr).not.toContain('less than a year');
      expect(readFileSync(join(dir, 'o2', 'report.html'), 'utf8')).not.toContain('Read with care');
    },
    TIMEOUT,
  );
});
