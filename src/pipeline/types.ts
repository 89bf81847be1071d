import type { SignalBacktest } from '../domain/backtest.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent, SignalName } from '../domain/signal.ts';
import type { Logger } from '../util/log.ts';

export const ENGINE_NAMES = ['duckdb', 'spark'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** Other names an engine is known by: the README, the help and the docs call DuckDB "the embedded engine". */
export const ENGINE_ALIASES: Readonly<Record<string, EngineName>> = { embedded: 'duckdb' };

/** The engine a flag or input names (an alias resolved), or undefined. */
export function engineNamed(value: string): EngineName | undefined {
  if ((ENGINE_NAMES as readonly string[]).includes(value)) return value as EngineName;
  return Object.hasOwn(ENGINE_ALIASES, value) ? ENGINE_ALIASES[value] : undefined;
}

/** The accepted names for messages: `duckdb, spark (embedded = duckdb)`. */
export function engineChoices(): string {
  const aliases = Object.entries(ENGINE_ALIASES).map(([a, n]) => `${a} = ${n}`);
  return `${ENGINE_NAMES.join(', ')}${aliases.length > 0 ? ` (${aliases.join(', ')})` : ''}`;
}

/** Everything one `bf pipeline run` needs; the CLI flags and the Action inputs both parse into this. */
export interface PipelineOptions {
  /** Built-in list name (`demo_small`) or a path to a text file, one symbol per line. */
  symbolList: string;
  /** `yahoo` | `sample` | `csv:DIR`. */
  source: string;
  start?: string;
  end?: string;
  /** Deadline for the whole fetch stage (`--fetch-timeout`), in milliseconds; none by default. */
  fetchTimeoutMs?: number;
  /** Drop lake bars the source no longer has (within the range, of the symbols it delivered); default keep. */
  replace?: boolean;
  /** `--on-bad-row` for csv:DIR: skip (default) or fail. */
  onBadRow?: 'skip' | 'fail';
  /** Workspace holding the local lake (default `.bf/`). */
  workdir?: string;
  /** Where breadth.csv, signals.csv, metrics.json, trades.csv, forward_returns.csv, equity.svg, report.html go. */
  outDir?: string;
  engine: EngineName;
  signals?: SignalName[];
  holdDays?: number;
  /** The run fails (exit 1) when fewer symbols than this have prices; the others are skipped and named. Default 1. */
  minSymbols?: number;
  /** Recompute all history in the signals stage (`--full`). */
  full?: boolean;
  /**
   * Publish signals and breadth to Kafka, sink them into Elasticsearch and check the counts there.
   * Default: on with the Spark engine (the stack is up), off with the embedded engine.
   */
  publish?: boolean;
  /**
   * Which Compose stack the Spark engine and the publisher use: project name, compose files (or `local` for the
   * local override), and the environment its ports and images come from (default process.env).
   */
  stack?: { project?: string; local?: boolean; composeFiles?: string[]; env?: NodeJS.ProcessEnv };
  log: Logger;
  /** Told when each stage begins (the CLI names the stage a Ctrl-C interrupted). */
  onStage?: (stage: StageTiming['stage']) => void;
}

/** What the publish stage sent and what Elasticsearch holds afterwards. */
export interface PublishSummary {
  signals: number;
  breadth: number;
  /** Documents of an earlier run of this list that this run no longer has, deleted through tombstones. */
  retracted: number;
  /** Documents of this symbol list in the signals index, counted after the sink caught up. */
  esDocuments: number;
  index: string;
}

export interface StageTiming {
  stage: 'fetch' | 'signals' | 'backtest' | 'store' | 'publish' | 'report';
  ms: number;
}

export interface PipelineResult {
  symbolList: { name: string; symbols: string[] };
  /** The run's date range: every stage worked on exactly these dates of exactly these symbols. */
  range: { start: string; end: string };
  source: string;
  synthetic: boolean;
  engine: EngineName;
  bars: number;
  failures: { symbol: string; reason: string }[];
  /** Symbols of the list left out of breadth because they have no prices, each with why. */
  skipped: { symbol: string; reason: string }[];
  breadthDays: number;
  /** The daily breadth series the signals were computed from (charts in the Action's summary). */
  series: BreadthSeriesRow[];
  events: SignalEvent[];
  backtests: SignalBacktest[];
  /** Output file name (e.g. `report.html`) → absolute path written. */
  outputs: Record<string, string>;
  /** Present when the run published to Kafka and verified Elasticsearch. */
  published?: PublishSummary;
  timings: StageTiming[];
}
