import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../config/stack.ts';
import type { ComposeProject } from '../../infra/compose.ts';
import type { S3LakeConfig } from '../../lake/s3.ts';
import { BfError } from '../../util/errors.ts';
import { type Logger, silentLogger } from '../../util/log.ts';
import type { ColumnSpec } from '../engine.ts';
import { loadSql } from '../sql-files.ts';
import { type SparkSettings, submitArgs } from './spark-config.ts';

/** One operation of a job; job.py documents each. */
export type SparkOp =
  | { op: 'merge-prices'; input: string }
  | { op: 'breadth'; symbols: readonly string[] | null }
  | {
      op: 'write-rows';
      table: string;
      input: string | null;
      columns: readonly ColumnSpec[];
      delayMs?: number;
    }
  | { op: 'read-rows'; table: string }
  | { op: 'fail'; sql: string };

export interface SparkJobRequest {
  /** Spark application name, shown in the master UI. */
  appName: string;
  /** s3a:// URL of the directory holding the Delta tables. */
  lake: string;
  ops: readonly SparkOp[];
}

/** What job.py printed for one operation (`BF_RESULT` line), with its index, op name and time in ms. */
export type SparkOpResult = Record<string, unknown> & { index: number; op: string; ms: number };

export interface SparkJobOutcome {
  exitCode: number;
  results: SparkOpResult[];
  /** The `BF_ERROR` line of the failing operation, when job.py got that far. */
  error: { index: number; op: string; error: string; message: string } | undefined;
  /** Last lines of the driver's stderr (Spark's log, Python traceback), bounded. */
  stderrTail: string[];
  durationMs: number;
}

/** Runs one job on the cluster; never throws for a failing job (the outcome says so), only when it cannot start. */
export type SparkSubmit = (request: SparkJobRequest) => Promise<SparkJobOutcome>;

const RESULT_MARKER = 'BF_RESULT ';
const ERROR_MARKER = 'BF_ERROR ';
export const STDERR_TAIL_LINES = 40;
/** Where job bundles are unpacked inside the driver's container; one directory per job, removed at exit. */
export const JOB_DIR_PREFIX = '/tmp/bf-job-';

/** The PySpark driver, read from the repo (REPO_ROOT resolves the same from src/ and from the bundled dist/). */
export function jobScriptText(): string {
  return readFileSync(join(REPO_ROOT, 'src', 'engines', 'spark', 'job.py'), 'utf8');
}

/** Parses job.py's stdout markers and keeps a bounded stderr tail. */
export function parseJobOutput(
  exitCode: number,
  stdout: string,
  stderr: string,
  durationMs: number,
): SparkJobOutcome {
  const results: SparkOpResult[] = [];
  let error: SparkJobOutcome['error'];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(RESULT_MARKER)) results.push(JSON.parse(line.slice(RESULT_MARKER.length)));
    else if (line.startsWith(ERROR_MARKER)) error = JSON.parse(line.slice(ERROR_MARKER.length));
  }
  return { exitCode, results, error, stderrTail: stderrTail(stderr, STDERR_TAIL_LINES), durationMs };
}

/** The last `n` non-empty lines, each cut to 400 characters: a Spark log can be megabytes. */
export function stderrTail(text: string, n: number): string[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n).map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l));
}

/**
 * Shell run inside the driver's container: unpack the bundle (JSON on stdin) into a fresh directory, run
 * spark-submit in the background so its pid is on record (fault tests kill the driver by it), remove the
 * directory at exit, exit with spark-submit's status.
 */
const DRIVER_SCRIPT = [
  'set -e',
  'd="$1"; shift',
  'mkdir -p "$d"',
  `trap 'rm -rf "$d"' EXIT`,
  `python3 -c 'import json,os,sys
for name, text in json.load(sys.stdin).items():
    open(os.path.join(sys.argv[1], name), "w", encoding="utf-8").write(text)' "$d"`,
  'set +e',
  '"$@" &',
  'echo $! > "$d/driver.pid"',
  'wait $!',
].join('\n');

export interface ComposeSubmitterOptions {
  compose: ComposeProject;
  settings: SparkSettings;
  s3: S3LakeConfig;
  logger?: Logger;
  timeoutMs?: number;
}

/**
 * Submits jobs with `docker compose exec -T <spark-master> spark-submit --master spark://…` (client mode: the
 * driver runs in the master's container, executors on the workers). The script and the shared SQL files travel on
 * stdin, so nothing needs to be mounted: the same works against the official image on a CI runner.
 */
export function composeSubmitter(opts: ComposeSubmitterOptions): SparkSubmit {
  const { compose, settings, s3 } = opts;
  const logger = opts.logger ?? silentLogger;
  let withPackages: Promise<boolean> | undefined;
  const detectPackages = async (): Promise<boolean> => {
    if (settings.packages !== 'auto') return settings.packages === 'always';
    const r = await compose.exec.tryRun(
      'docker',
      compose.args('exec', '-T', settings.service, 'sh', '-c', `ls ${settings.sparkHome}/jars`),
      { env: compose.env },
    );
    if (r.exitCode !== 0) {
      throw new BfError(
        `spark engine: cannot list ${settings.sparkHome}/jars in service ${settings.service} (project ${compose.name}): ${r.stderr.trim() || `exit ${r.exitCode}`}`,
        { hint: `is the stack up? check with: bf infra status --project ${compose.name}` },
      );
    }
    const baked = /^delta-spark_2\.13-.*\.jar$/m.test(r.stdout) && /^hadoop-aws-.*\.jar$/m.test(r.stdout);
    logger.info(
      baked
        ? `spark: Delta and hadoop-aws jars found in ${settings.sparkHome}/jars`
        : `spark: no Delta/hadoop-aws jars in ${settings.sparkHome}/jars; using --packages ${settings.packageCoordinates.join(',')}`,
    );
    return !baked;
  };

  return async (request) => {
    withPackages ??= detectPackages();
    const packages = await withPackages;
    const dir = `${JOB_DIR_PREFIX}${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const bundle = {
      'job.py': jobScriptText(),
      'features.sql': loadSql('features'),
      'breadth.sql': loadSql('breadth'),
      'request.json': JSON.stringify({ ...request, sqlDir: dir }),
    };
    const args = submitArgs(settings, s3, {
      appName: request.appName,
      script: `${dir}/job.py`,
      request: `${dir}/request.json`,
      withPackages: packages,
      ivyDir: `/tmp/bf-ivy`,
    });
    const started = performance.now();
    const r = await compose.exec.tryRun(
      'docker',
      compose.args(
        'exec',
        '-T',
        settings.service,
        'sh',
        '-c',
        DRIVER_SCRIPT,
        'bf-job',
        dir,
        `${settings.sparkHome}/bin/spark-submit`,
        ...args,
      ),
      { env: compose.env, input: JSON.stringify(bundle), timeoutMs: opts.timeoutMs ?? 30 * 60_000 },
    );
    return parseJobOutput(r.exitCode, r.stdout, r.stderr, performance.now() - started);
  };
}
