import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBf } from '../support/run-bf.ts';

// report.html as `bf pipeline run` writes it: the first screen answers "did a thrust fire, when, and what followed"
// before any table.
describe('report.html first screen', () => {
  it('answers whether a thrust fired, when, and what the index did after, before the first table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-report-'));
    const out = join(dir, 'out');
    const r = await runBf([
      'pipeline',
      'run',
      '--source',
      'sample',
      '--workdir',
      join(dir, 'wd'),
      '--out',
      out,
      '--end',
      '2025-06-30',
      '-q',
    ]);
    expect(r.code).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const signals = readFileSync(join(out, 'signals.csv'), 'utf8').trim().split('\n').slice(1);
    const zweigDates = signals
      .filter((l) => l.includes(',zweig_breadth_thrust,'))
      .map((l) => l.split(',')[0]!);
    const latest = signals
      .map((l) => l.split(',')[0]!)
      .sort()
      .at(-1)!;
    expect(zweigDates.length).toBeGreaterThan(0);

    const verdictAt = html.indexOf('<section id="verdict">');
    const firstTable = html.indexOf('<table');
    const breadthChart = html.indexOf('<section id="breadth">');
    expect(verdictAt).toBeGreaterThan(0);
    expect(breadthChart).toBeGreaterThan(verdictAt);
    expect(firstTable).toBeGreaterThan(breadthChart);
    const verdict = html.slice(verdictAt, breadthChart);
    expect(verdict).toContain(`<strong>Yes.</strong> ${signals.length} breadth-thrust firings`);
    expect(verdict).toContain(`on ${latest}.`);
    expect(verdict).toMatch(/<strong>Zweig Breadth Thrust<\/strong> fired \d+ times?: /);
    expect(verdict).toContain(`After the latest, on ${zweigDates.at(-1)}, the index moved`);
    expect(verdict).toMatch(/[+−]\d+\.\d%<\/span> after 21 days/);
  });
});
