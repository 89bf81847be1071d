import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isServiceName, SERVICE_NAMES, SERVICES, type ServiceName } from '../config/stack.ts';
import { DEFAULT_MIN_SYMBOLS } from '../pipeline/min-symbols.ts';
import { type EngineName, engineChoices, engineNamed } from '../pipeline/types.ts';
import { looksLikePath, resolveSymbolList } from '../sources/symbols.ts';
import { UsageError } from '../util/errors.ts';

/** The action's input names, exactly as in action.yml (the runner passes them as `INPUT_<NAME>` with dashes kept). */
export const INPUT_NAMES = {
  symbolList: 'symbol-list',
  source: 'source',
  engine: 'engine',
  waitTimeout: 'wait-timeout',
  composeFile: 'compose-file',
  services: 'services',
  images: 'images',
  keepUp: 'keep-up',
  kibana: 'kibana',
  kibanaRequired: 'kibana-required',
  artifactName: 'artifact-name',
  retentionDays: 'retention-days',
  minSignals: 'min-signals',
  minSymbols: 'min-symbols',
  workingDirectory: 'working-directory',
} as const;

/**
 * `spark` in the `images` input sets the image of every Spark service (master, worker, the spark-sql driver): they
 * run one image, named by one variable in the compose file, so per-service Spark keys are refused.
 */
const IMAGE_ALIASES: Record<string, ServiceName[]> = { spark: ['spark-master', 'spark-worker', 'spark-sql'] };
const SPARK_SERVICE_KEYS = new Set<string>(IMAGE_ALIASES.spark);

export interface ActionConfig {
  symbolList: string;
  source: string;
  engine: EngineName;
  waitTimeoutSeconds: number;
  /** Absolute paths. */
  composeFiles: string[];
  /** Empty = every service in the compose files. */
  services: string[];
  /** Env vars to set for `docker compose` (BF_*_IMAGE overrides). */
  imageEnv: Record<string, string>;
  keepUp: boolean;
  /** Start Kibana and import the dashboards (default false: PR checks need no viewer). */
  kibana: boolean;
  /** Kibana not ready or a refused import fails the run; otherwise they are warnings. */
  kibanaRequired: boolean;
  artifactName: string;
  /** Undefined = the repository's default retention. */
  retentionDays: number | undefined;
  minSignals: number;
  /** Fewer symbols with prices than this fails the run; the others are skipped and named. */
  minSymbols: number;
  /** Absolute. */
  workingDirectory: string;
}

/** Reads one raw input; `@actions/core.getInput` fits, and tests pass a record lookup. */
export type InputReader = (name: string) => string;

export interface InputContext {
  /** Root of the action's checkout (holds `infra/docker-compose.yml`). */
  actionRoot: string;
  /** `GITHUB_WORKSPACE` or the process cwd. */
  workspace: string;
}

const DEFAULTS = {
  symbolList: 'demo_small',
  source: 'sample',
  engine: 'spark' as EngineName,
  waitTimeoutSeconds: 600,
  artifactName: 'bf-report',
  minSignals: 0,
  minSymbols: DEFAULT_MIN_SYMBOLS,
};

const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\\/\r\n]/;

function inputError(name: string, value: string, expected: string): UsageError {
  return new UsageError(
    `Input '${name}' is invalid: got '${value}'`,
    `${expected} (see action.yml, input '${name}')`,
  );
}

/** `sample` | `yahoo` | `csv:DIR`, DIR resolved against the working directory (given) and required to exist. */
export function parseSource(raw: string, workingDirectory?: string): string {
  const v = raw.trim();
  if (v === 'yahoo' || v === 'sample') return v;
  if (v.startsWith('csv:') && v.length > 4) {
    if (workingDirectory === undefined) return v;
    const dir = path.resolve(workingDirectory, v.slice('csv:'.length));
    if (!isDirectory(dir)) {
      throw inputError(
        INPUT_NAMES.source,
        raw,
        `${dir} is not a directory; csv:DIR is resolved against working-directory (${workingDirectory})`,
      );
    }
    return `csv:${dir}`;
  }
  throw inputError(INPUT_NAMES.source, raw, "use 'sample', 'yahoo' or 'csv:DIR'");
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** True when `inner` is `outer` or below it. */
function isInside(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** An existing directory inside the workspace (also after following symlinks), as an absolute path. */
export function parseWorkingDirectory(raw: string, workspace: string): string {
  const dir = path.resolve(workspace, raw || '.');
  const name = INPUT_NAMES.workingDirectory;
  if (!isInside(path.resolve(workspace), dir)) {
    throw inputError(name, raw, `use a directory inside the workspace ${workspace}`);
  }
  if (!isDirectory(dir)) {
    throw inputError(
      name,
      raw,
      `${dir} is not an existing directory; create it in an earlier step or fix the path`,
    );
  }
  if (!isInside(realpathSync(workspace), realpathSync(dir))) {
    throw inputError(name, raw, `it leads outside the workspace ${workspace} through a symlink`);
  }
  return dir;
}

/** A built-in list name stays a name; a path (or a file that exists there) is resolved against the working directory. */
export function resolveListInput(raw: string, workingDirectory: string): string {
  const candidate = path.resolve(workingDirectory, raw);
  return looksLikePath(raw) || existsSync(candidate) ? candidate : raw;
}

/**
 * Reads the symbol list the way the pipeline will (file, symbols, line numbers), so a bad list fails the inputs
 * stage before any container starts.
 */
export async function checkSymbolListInput(config: Pick<ActionConfig, 'symbolList'>): Promise<void> {
  try {
    await resolveSymbolList(config.symbolList);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new UsageError(`Input '${INPUT_NAMES.symbolList}' is invalid: ${e.message}`, e.hint);
  }
}

export function parseEngine(raw: string): EngineName {
  const v = raw.trim();
  const engine = engineNamed(v);
  if (engine) return engine;
  throw inputError(INPUT_NAMES.engine, raw, `use one of: ${engineChoices()}`);
}

/** Whole or fractional seconds, > 0. */
export function parseWaitTimeout(raw: string): number {
  const v = raw.trim();
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n <= 0) {
    throw inputError(INPUT_NAMES.waitTimeout, raw, 'use a positive number of seconds, e.g. 600');
  }
  return n;
}

export function parseMinSignals(raw: string): number {
  const v = raw.trim();
  if (!/^\d+$/.test(v)) throw inputError(INPUT_NAMES.minSignals, raw, 'use a whole number ≥ 0, e.g. 1');
  return Number(v);
}

export function parseMinSymbols(raw: string): number {
  const v = raw.trim();
  if (!/^\d+$/.test(v) || Number(v) < 1) {
    throw inputError(INPUT_NAMES.minSymbols, raw, 'use a whole number ≥ 1, e.g. 1');
  }
  return Number(v);
}

/** YAML 1.2 core booleans, as `core.getBooleanInput` accepts them. */
export function parseBoolean(name: string, raw: string): boolean {
  const v = raw.trim();
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  if (['false', 'False', 'FALSE', ''].includes(v)) return false;
  throw inputError(name, raw, "use 'true' or 'false'");
}

/** Comma, space or newline separated list; empties dropped. */
export function parseList(raw: string): string[] {
  return raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `kafka=apache/kafka:4.1.1,spark=repo/spark:4` → `{BF_KAFKA_IMAGE: …, BF_SPARK_IMAGE: …}`. */
export function parseImages(raw: string): Record<string, string> {
  const env: Record<string, string> = {};
  const known = [
    ...SERVICE_NAMES.filter((s) => !SPARK_SERVICE_KEYS.has(s)),
    ...Object.keys(IMAGE_ALIASES),
  ].join(', ');
  for (const entry of parseList(raw)) {
    const eq = entry.indexOf('=');
    const service = eq > 0 ? entry.slice(0, eq) : '';
    const image = eq > 0 ? entry.slice(eq + 1) : '';
    if (!service || !image) {
      throw inputError(INPUT_NAMES.images, entry, 'use SERVICE=IMAGE pairs separated by commas');
    }
    if (SPARK_SERVICE_KEYS.has(service)) {
      throw inputError(
        INPUT_NAMES.images,
        entry,
        `the Spark services run one image: use spark=IMAGE (an image with Python 3, e.g. apache/spark:4.0.1)`,
      );
    }
    const targets = IMAGE_ALIASES[service] ?? (isServiceName(service) ? [service] : undefined);
    if (!targets)
      throw inputError(INPUT_NAMES.images, entry, `unknown service '${service}'; known: ${known}`);
    for (const t of targets) env[SERVICES[t].imageEnv] = image;
  }
  return env;
}

/** 1–90 days, GitHub's range; empty means the repository default. */
export function parseRetentionDays(raw: string): number | undefined {
  const v = raw.trim();
  if (v === '') return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 90) {
    throw inputError(
      INPUT_NAMES.retentionDays,
      raw,
      'use a whole number of days from 1 to 90, or leave it empty',
    );
  }
  return n;
}

export function parseArtifactName(raw: string): string {
  const v = raw.trim();
  if (v === '' || ARTIFACT_NAME_FORBIDDEN.test(v)) {
    throw inputError(INPUT_NAMES.artifactName, raw, 'use a non-empty name without " : < > | * ? \\ /');
  }
  return v;
}

/** `kibana-required: true` only makes sense with Kibana running: saying so beats silently ignoring it. */
export function parseKibana(
  kibanaRaw: string,
  requiredRaw: string,
): { kibana: boolean; kibanaRequired: boolean } {
  const kibana = parseBoolean(INPUT_NAMES.kibana, kibanaRaw);
  const kibanaRequired = parseBoolean(INPUT_NAMES.kibanaRequired, requiredRaw);
  if (kibanaRequired && !kibana) {
    throw inputError(
      INPUT_NAMES.kibanaRequired,
      requiredRaw,
      "set kibana: 'true' as well, or drop kibana-required",
    );
  }
  return { kibana, kibanaRequired };
}

/** Reads and validates every input into one typed config; the first bad input throws a UsageError naming it. */
export function readInputs(read: InputReader, ctx: InputContext): ActionConfig {
  const get = (name: string) => read(name).trim();
  const orDefault = (name: string, fallback: string) => get(name) || fallback;

  const workingDirectory = parseWorkingDirectory(get(INPUT_NAMES.workingDirectory), ctx.workspace);
  const composeRaw = parseList(get(INPUT_NAMES.composeFile));
  const composeFiles =
    composeRaw.length > 0
      ? composeRaw.map((f) => path.resolve(workingDirectory, f))
      : [path.join(ctx.actionRoot, 'infra', 'docker-compose.yml')];

  const waitRaw = get(INPUT_NAMES.waitTimeout);
  const minRaw = get(INPUT_NAMES.minSignals);
  const minSymbolsRaw = get(INPUT_NAMES.minSymbols);
  return {
    symbolList: resolveListInput(orDefault(INPUT_NAMES.symbolList, DEFAULTS.symbolList), workingDirectory),
    source: parseSource(orDefault(INPUT_NAMES.source, DEFAULTS.source), workingDirectory),
    engine: parseEngine(orDefault(INPUT_NAMES.engine, DEFAULTS.engine)),
    waitTimeoutSeconds: waitRaw === '' ? DEFAULTS.waitTimeoutSeconds : parseWaitTimeout(waitRaw),
    composeFiles,
    services: parseList(get(INPUT_NAMES.services)),
    imageEnv: parseImages(get(INPUT_NAMES.images)),
    keepUp: parseBoolean(INPUT_NAMES.keepUp, get(INPUT_NAMES.keepUp)),
    ...parseKibana(get(INPUT_NAMES.kibana), get(INPUT_NAMES.kibanaRequired)),
    artifactName: parseArtifactName(orDefault(INPUT_NAMES.artifactName, DEFAULTS.artifactName)),
    retentionDays: parseRetentionDays(get(INPUT_NAMES.retentionDays)),
    minSignals: minRaw === '' ? DEFAULTS.minSignals : parseMinSignals(minRaw),
    minSymbols: minSymbolsRaw === '' ? DEFAULTS.minSymbols : parseMinSymbols(minSymbolsRaw),
    workingDirectory,
  };
}
