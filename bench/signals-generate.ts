/**
 * Signals benchmark: wall time, CPU time and peak RSS of `computeBreadth` (+ deriving the series and the signals)
 * on synthetic markets of 300 and 3,000 symbols × 20 years, each measured in its own child process.
 * Figures are printed, with the 3,000/300 ratios of the same run; nothing is asserted (timings are not tests).
 *
 *   node bench/signals-generate.ts [--symbols 300,3000] [--years 20] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface Measurement {
  bars: number;
  days: number;
  breadthMs: number;
  breadthCpuMs: number;
  signalsMs: number | null;
  firings: number | null;
  maxRssMiB: number;
}

interface CaseResult extends Measurement {
  symbols: number;
  generateMs: number;
}

const TARGET = { symbols: 3000, seconds: 20, rssMiB: 2048 };

/** Runs in the child: one engine, one computeBreadth, then the TypeScript maths if present. */
async function measure(workdir: string): Promise<Measurement> {
  const { Lake } = await import('../src/lake/index.ts');
  const { DuckDbEngine } = await import('../src/engines/duckdb/index.ts');
  const engine = await DuckDbEngine.open(Lake.open(workdir));
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const days = await engine.computeBreadth();
    const breadthMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    let signalsMs: number | null = null;
    let firings: number | null = null;
    const maths = await loadSignals();
    if (maths) {
      const t1 = performance.now();
      firings = maths.generateSignals(maths.deriveBreadthSeries(days)).length;
      signalsMs = performance.now() - t1;
    }
    return {
      bars: (await engine.readMeta('prices'))?.rows ?? 0,
      days: days.length,
      breadthMs,
      breadthCpuMs: (cpu.user + cpu.system) / 1000,
      signalsMs,
      firings,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await engine.close();
  }
}

/** The signals maths, when the modules exist (they are written in parallel with this benchmark). */
async function loadSignals(): Promise<{
  deriveBreadthSeries: typeof import('../src/signals/breadth-series.ts').deriveBreadthSeries;
  generateSignals: typeof import('../src/signals/rules.ts').generateSignals;
} | null> {
  try {
    const { deriveBreadthSeries } = await import('../src/signals/breadth-series.ts');
    const { generateSignals } = await import('../src/signals/rules.ts');
    return { deriveBreadthSeries, generateSignals };
  } catch {
    return null;
  }
}

function runChild(args: string[]): string {
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (child.status !== 0) {
    throw new Error(
      `child ${args.join(' ')} failed (exit ${child.status}, signal ${child.signal}):\n${child.stderr}`,
    );
  }
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  return last;
}

function runCase(symbols: number, years: number, keep: boolean): CaseResult {
  const workdir = mkdtempSync(join(tmpdir(), `bf-bench-${symbols}-`));
  try {
    const gen = JSON.parse(
      runChild([join(import.meta.dirname, 'generate-market.ts'), workdir, String(symbols), String(years)]),
    ) as { ms: number };
    const m = JSON.parse(runChild([import.meta.filename, '--child', workdir])) as Measurement;
    return { symbols, generateMs: gen.ms, ...m };
  } finally {
    if (keep) process.stderr.write(`kept ${workdir}\n`);
    else rmSync(workdir, { recursive: true, force: true });
  }
}

const fmt = (x: number | null, digits = 0) => (x === null ? '-' : x.toFixed(digits));

function report(results: CaseResult[]): string {
  const lines = [
    'symbols       bars  days  generate_s  breadth_s  breadth_cpu_s  signals_ms  firings  peak_rss_MiB',
    ...results.map((r) =>
      [
        String(r.symbols).padStart(7),
        String(r.bars).padStart(10),
        String(r.days).padStart(5),
        fmt(r.generateMs / 1000, 1).padStart(11),
        fmt(r.breadthMs / 1000, 2).padStart(10),
        fmt(r.breadthCpuMs / 1000, 2).padStart(14),
        fmt(r.signalsMs, 1).padStart(11),
        fmt(r.firings).padStart(8),
        fmt(r.maxRssMiB).padStart(13),
      ].join(''),
    ),
  ];
  const small = results[0];
  const big = results.at(-1);
  if (small && big && big !== small) {
    const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
    lines.push(
      '',
      `ratios ${big.symbols}/${small.symbols} (same run): bars ${ratio(big.bars, small.bars)}, ` +
        `breadth wall ${ratio(big.breadthMs, small.breadthMs)}, breadth cpu ${ratio(big.breadthCpuMs, small.breadthCpuMs)}, ` +
        `peak RSS ${ratio(big.maxRssMiB, small.maxRssMiB)}`,
      `cost per bar, ${big.symbols} vs ${small.symbols}: wall ${ratio(big.breadthMs / big.bars, small.breadthMs / small.bars)}, ` +
        `cpu ${ratio(big.breadthCpuMs / big.bars, small.breadthCpuMs / small.bars)} (1.00 = linear)`,
    );
  }
  const target = results.find((r) => r.symbols === TARGET.symbols);
  if (target) {
    const s = (target.breadthMs + (target.signalsMs ?? 0)) / 1000;
    lines.push(
      `target ${TARGET.symbols} symbols: ${s.toFixed(1)} s (goal ≤ ${TARGET.seconds} s), ` +
        `${target.maxRssMiB.toFixed(0)} MiB (goal ≤ ${TARGET.rssMiB} MiB)`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      symbols: { type: 'string', default: '300,3000' },
      years: { type: 'string', default: '20' },
      keep: { type: 'boolean', default: false },
    },
  });
  if (values.child) {
    process.stdout.write(`${JSON.stringify(await measure(values.child))}\n`);
    return;
  }
  const cases = values.symbols.split(',').map(Number);
  const years = Number(values.years);
  if (cases.some((n) => !Number.isInteger(n) || n <= 0) || !(years > 0)) {
    throw new Error('--symbols takes positive integers separated by commas, --years a positive number');
  }
  const results: CaseResult[] = [];
  for (const n of cases) {
    process.stderr.write(`generating and measuring ${n} symbols × ${years} years…\n`);
    results.push(runCase(n, years, values.keep));
  }
  process.stdout.write(`${report(results)}\n`);
}

await main();
