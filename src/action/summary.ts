import type { SignalBacktest } from '../domain/backtest.ts';
import type { PipelineResult } from '../pipeline/types.ts';
import { equityMermaid, zweigMermaid } from '../report/mermaid-charts.ts';
import { escapeControl } from '../util/escape.ts';

export interface StageTime {
  stage: string;
  seconds: number;
}

export interface SummaryInput {
  ok: boolean;
  /** Set when the run failed: `stage (service): message`. */
  failure?: string;
  stages: StageTime[];
  result?: PipelineResult;
  /** Documents counted in Elasticsearch, or a reason the count is not available. */
  es: { documents: number; lakeSignals: number } | { skipped: string };
  minSignals: number;
  /** files: as stored in the artifact (the run's manifest.json and every file it lists). */
  artifact?: { name: string; id: number; url?: string; files: string[] };
}

/** Rows of the signals table: the summary is capped at 1 MiB, so long histories show the latest firings. */
export const MAX_SIGNAL_ROWS = 50;

const esc = (s: string) => escapeControl(s).replace(/[&<>|]/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
const num = (v: number | null, digits = 2) => (v === null ? '–' : v.toFixed(digits));

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function metricsTable(backtests: SignalBacktest[]): string {
  return table(
    ['signal', 'firings', 'hold (days)', 'CAGR', 'Sharpe', 'max drawdown', 'exposure', 'buy & hold CAGR'],
    backtests.map((b) => [
      b.signal,
      String(b.firings),
      String(b.holdDays),
      pct(b.strategy.cagr),
      num(b.strategy.sharpe),
      pct(b.strategy.maxDrawdown),
      pct(b.strategy.exposure),
      pct(b.buyHold.cagr),
    ]),
  );
}

/**
 * Inline Mermaid charts (GitHub renders them in the summary): the Zweig EMA with its thresholds and firings, and
 * the equity of the Zweig strategy (else the first backtest) against buy-and-hold.
 */
export function chartSections(r: Pick<PipelineResult, 'series' | 'events' | 'backtests'>): string[] {
  const out: string[] = [];
  const zweig = zweigMermaid(r.series, r.events);
  if (zweig) out.push('### Zweig breadth thrust', zweig);
  const bt = r.backtests.find((b) => b.signal === 'zweig_breadth_thrust') ?? r.backtests[0];
  const equity = bt && equityMermaid(bt);
  if (equity) out.push('### Strategy vs buy and hold', equity);
  return out;
}

/** The job summary as Markdown, written once at the end of main. Pure: everything it shows comes in `s`. */
export function renderSummary(s: SummaryInput): string {
  const parts: string[] = [];
  parts.push(`## bf breadth-thrust run ${s.ok ? '✅' : '❌'}`);
  if (s.failure) parts.push(`**Failed:** ${esc(s.failure)}`);
  const r = s.result;
  if (r) {
    parts.push(
      `List \`${esc(r.symbolList.name)}\` (${r.symbolList.symbols.length} symbols), source \`${esc(r.source)}\`${
        r.synthetic ? ' (synthetic sample data)' : ''
      }, engine \`${r.engine}\`: ${r.bars} bars, ${r.breadthDays} breadth days, ${r.events.length} signal firings.`,
    );
    if (r.failures.length > 0) {
      parts.push(
        `${r.failures.length} symbols failed to load: ${r.failures.map((f) => esc(f.symbol)).join(', ')}`,
      );
    }
  }
  if (r && r.skipped.length > 0) {
    parts.push(
      `### Skipped symbols (${r.skipped.length})`,
      table(
        ['symbol', 'why'],
        r.skipped.map((f) => [esc(f.symbol), esc(f.reason)]),
      ),
    );
  }
  const total = s.stages.reduce((a, t) => a + t.seconds, 0);
  parts.push(
    '### Stage timings',
    table(
      ['stage', 'seconds'],
      [...s.stages.map((t) => [t.stage, t.seconds.toFixed(1)]), ['**total**', `**${total.toFixed(1)}**`]],
    ),
  );
  parts.push('### Elasticsearch assertion');
  if ('skipped' in s.es) {
    parts.push(`Not run: ${esc(s.es.skipped)}. Floor: ≥ ${s.minSignals} signals.`);
  } else {
    parts.push(
      `${s.es.documents} documents in Elasticsearch, ${s.es.lakeSignals} signals in the lake (exact match required), floor ≥ ${s.minSignals}.`,
    );
  }
  if (r) parts.push(...chartSections(r));
  if (r && r.backtests.length > 0) parts.push('### Backtest', metricsTable(r.backtests));
  if (r) {
    const latest = [...r.events].sort((a, b) => b.date.localeCompare(a.date)).slice(0, MAX_SIGNAL_ROWS);
    parts.push(
      `### Signals (${latest.length < r.events.length ? `latest ${latest.length} of ` : ''}${r.events.length})`,
      latest.length > 0
        ? table(
            ['date', 'signal', 'value'],
            latest.map((e) => [e.date, e.signal, e.value.toFixed(4)]),
          )
        : 'No signal fired in this range.',
    );
  }
  if (s.artifact) {
    const label = `${esc(s.artifact.name)} (id ${s.artifact.id})`;
    parts.push(
      '### Report',
      `The artifact ${s.artifact.url ? `[${label}](${s.artifact.url})` : label} holds the run's output set as its ` +
        `manifest.json lists it (each file's SHA-256 checked before upload): ${s.artifact.files.map((f) => `\`${esc(f)}\``).join(', ')}.`,
    );
  }
  return `${parts.join('\n\n')}\n`;
}

/** Link to an artifact on the run page, when the runner's env names the run. */
export function artifactUrl(env: NodeJS.ProcessEnv, id: number): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}/artifacts/${id}` : undefined;
}
