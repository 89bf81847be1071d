import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as core from '@actions/core';
import { s3Settings } from '../config/stack.ts';
import { type PulledImage, renderPulls } from '../infra/pull.ts';
import { verifiedOutputSet } from '../pipeline/output-set.ts';
import type { PipelineOptions, PipelineResult } from '../pipeline/types.ts';
import { BfError } from '../util/errors.ts';
import { escapeControl } from '../util/escape.ts';
import type { Logger } from '../util/log.ts';
import { ACT_REPORT_DIR_ENV, actWorkspaceIsTemporary, LOCAL_ARTIFACT_DIR } from './act-artifact.ts';
import type { ArtifactRequest, UploadedArtifact } from './artifact-upload.ts';
import { checkSignalCounts, type EsAssertion, type EsCount } from './assertion.ts';
import { coreLogger } from './core-logger.ts';
import { type ActionConfig, checkSymbolListInput, readInputs } from './inputs.ts';
import { actionProjectName } from './project-name.ts';
import { STATE_KEYS, saveStackState } from './state.ts';
import { artifactUrl, renderSummary, type StageTime, type SummaryInput } from './summary.ts';

export type CoreApi = Pick<
  typeof core,
  | 'getInput'
  | 'saveState'
  | 'getState'
  | 'setOutput'
  | 'setFailed'
  | 'setSecret'
  | 'info'
  | 'warning'
  | 'notice'
  | 'error'
  | 'debug'
  | 'group'
  | 'summary'
>;

export interface StackRequest {
  project: string;
  composeFiles: string[];
  services: string[];
  /** BF_*_IMAGE overrides merged over the process env. */
  env: NodeJS.ProcessEnv;
  waitTimeoutMs: number;
  /** Start Kibana (and import the dashboards). */
  kibana: boolean;
  /** Kibana problems fail the stack stage instead of being warnings. */
  kibanaRequired: boolean;
  log: Logger;
}

/** Everything main talks to, injected so tests can run the orchestration; the bundle wires the real ones. */
export interface MainDeps {
  core: CoreApi;
  env: NodeJS.ProcessEnv;
  /** The action's checkout root (holds infra/docker-compose.yml). */
  actionRoot: string;
  now: () => number;
  /** Docker/compose present, ports free, resources; throws a BfError naming what is wrong. */
  preflight(req: StackRequest): Promise<void>;
  /** Pulls the images of the services to start (retries, per-image time and size); not part of wait-timeout. */
  pullImages(req: StackRequest): Promise<PulledImage[]>;
  /** Brings the stack up and waits for readiness; teardown is post's job (it also runs after cancellation). */
  startStack(req: StackRequest): Promise<void>;
  runPipeline(opts: PipelineOptions): Promise<PipelineResult>;
  /** Counts the signals published to Elasticsearch. Undefined until the pipeline's publish stage exists. */
  countEsDocuments: EsAssertion | undefined;
  uploadArtifact(req: ArtifactRequest): Promise<UploadedArtifact>;
}

export type Stage = 'inputs' | 'preflight' | 'pull' | 'stack' | 'pipeline' | 'assert' | 'upload';

/** An error with the stage it happened in; the service comes from the error when it names one. */
export class StageError extends Error {
  readonly stage: Stage;
  constructor(stage: Stage, cause: unknown) {
    super(describe(cause), { cause });
    this.name = 'StageError';
    this.stage = stage;
  }
}

function describe(e: unknown): string {
  if (e instanceof BfError) return escapeControl(e.hint ? `${e.message} (hint: ${e.hint})` : e.message);
  return escapeControl(e instanceof Error ? e.message : String(e));
}

/**
 * The service an error is about: its `service` field, the services a readiness failure diagnosed
 * (`StackNotReadyError.diagnoses`), else the first stack service its message names.
 */
export function serviceOf(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const s = (cur as { service?: unknown }).service;
    if (typeof s === 'string' && s) return s;
    const diagnoses = (cur as { diagnoses?: unknown }).diagnoses;
    if (Array.isArray(diagnoses) && diagnoses.length > 0) {
      return diagnoses.map((d) => String((d as { service?: unknown }).service)).join(', ');
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  const text = describe(e);
  // s3-console before s3: `\bs3\b` also matches inside `s3-console`.
  return [
    'elasticsearch',
    'kafka',
    'spark-sql',
    'spark-master',
    'spark-worker',
    's3-console',
    's3',
    'kibana',
  ].find((s) => new RegExp(`\\b${s}\\b`).test(text));
}

/** S3/Elasticsearch credentials never reach the log, even when a library echoes its config. */
function maskSecrets(c: CoreApi, env: NodeJS.ProcessEnv): void {
  const s3 = s3Settings(env);
  for (const v of [
    s3.accessKeyId,
    s3.secretAccessKey,
    env.ELASTIC_PASSWORD,
    env.BF_ES_PASSWORD,
    env.BF_ES_API_KEY,
  ]) {
    if (v) c.setSecret(v);
  }
}

export interface MainOutcome {
  ok: boolean;
  config?: ActionConfig;
  result?: PipelineResult;
  artifact?: UploadedArtifact;
}

export async function runMain(deps: MainDeps): Promise<MainOutcome> {
  const { core: c, env } = deps;
  const log = coreLogger(c);
  const started = deps.now();
  const stages: StageTime[] = [];
  const outcome: MainOutcome = { ok: false };
  let es = { skipped: 'the run stopped before the assertion' } as SummaryInput['es'];
  let failure: string | undefined;
  let cfg: ActionConfig | undefined;
  let artifactName = 'bf-report';
  let pulls: PulledImage[] = [];

  const stage = async <T>(name: Stage, fn: () => Promise<T>): Promise<T> => {
    const t = deps.now();
    try {
      return await c.group(`bf: ${name}`, fn);
    } catch (e) {
      throw e instanceof StageError ? e : new StageError(name, e);
    } finally {
      stages.push({ stage: name, seconds: (deps.now() - t) / 1000 });
    }
  };

  try {
    maskSecrets(c, env);
    cfg = await stage('inputs', async () => {
      const config = readInputs((n) => c.getInput(n), {
        actionRoot: deps.actionRoot,
        workspace: env.GITHUB_WORKSPACE || process.cwd(),
      });
      await checkSymbolListInput(config);
      return config;
    });
    outcome.config = cfg;
    artifactName = cfg.artifactName;
    const project = actionProjectName(env);
    const artifactDir = path.join(env.RUNNER_TEMP || tmpdir(), project);
    const outDir = path.join(artifactDir, 'report');
    // Before anything starts: post must find what to tear down even if main is killed mid-start.
    saveStackState(c, {
      project,
      composeFiles: cfg.composeFiles,
      composeEnv: cfg.imageEnv,
      artifactDir,
      artifactName: cfg.artifactName,
      keepUp: cfg.keepUp,
    });
    await mkdir(outDir, { recursive: true });

    const stackReq: StackRequest = {
      project,
      composeFiles: cfg.composeFiles,
      services: cfg.services,
      env: { ...env, ...cfg.imageEnv },
      waitTimeoutMs: cfg.waitTimeoutSeconds * 1000,
      kibana: cfg.kibana,
      kibanaRequired: cfg.kibanaRequired,
      log,
    };
    await stage('preflight', () => deps.preflight(stackReq));
    pulls = await stage('pull', () => deps.pullImages(stackReq));
    await stage('stack', () => deps.startStack(stackReq));
    const config = cfg;
    const result = await stage('pipeline', () =>
      deps.runPipeline({
        symbolList: config.symbolList,
        source: config.source,
        engine: config.engine,
        workdir: path.join(config.workingDirectory, '.bf'),
        outDir,
        minSymbols: config.minSymbols,
        // The action always publishes: its point is to prove the signals landed in Elasticsearch.
        publish: true,
        stack: { project, composeFiles: config.composeFiles, env: stackReq.env },
        log,
      }),
    );
    outcome.result = result;

    await stage('assert', async () => {
      let count: EsCount | undefined;
      if (deps.countEsDocuments) {
        count = await deps.countEsDocuments({ result, project });
        es = { documents: count.documents, lakeSignals: count.lakeSignals };
      } else {
        es = {
          skipped:
            'the pipeline has no Elasticsearch publish stage yet; only the min-signals floor was checked',
        };
        log.warn(`Elasticsearch assertion not run: ${es.skipped}`);
      }
      checkSignalCounts({ signals: result.events.length, minSignals: config.minSignals, es: count });
    });

    // The run's manifest.json is the list: every file it names (each checked against its SHA-256) and itself.
    const artifact = await stage('upload', async () =>
      deps.uploadArtifact({
        name: config.artifactName,
        rootDirectory: outDir,
        files: (await verifiedOutputSet(outDir)).files,
        retentionDays: config.retentionDays,
      }),
    );
    outcome.artifact = artifact;
    c.saveState(STATE_KEYS.artifactUploaded, 'true');
    if (artifact.localDir) {
      const where = artifact.id
        ? `report uploaded to act's artifact server as '${config.artifactName}' (id ${artifact.id}) and kept in ${artifact.localDir}`
        : `report kept in ${artifact.localDir} (act without an artifact server; add --artifact-server-path DIR to upload it)`;
      const temporary =
        actWorkspaceIsTemporary(env) && !env[ACT_REPORT_DIR_ENV]
          ? `; act deletes this self-hosted workspace when the job ends: set ${ACT_REPORT_DIR_ENV}=$PWD/${LOCAL_ARTIFACT_DIR} to keep the files`
          : '';
      c.notice(`${where}${temporary}`, { title: 'bf report' });
    }

    c.setOutput('signals-count', String(result.events.length));
    c.setOutput('es-documents', 'skipped' in es ? '' : String(es.documents));
    c.setOutput('report-path', result.outputs['report.html'] ?? path.join(outDir, 'report.html'));
    c.setOutput('artifact-id', artifact.id ? String(artifact.id) : '');
    outcome.ok = true;
  } catch (e) {
    const stageName = e instanceof StageError ? e.stage : 'inputs';
    const service = serviceOf(e instanceof StageError ? e.cause : e);
    failure = `${stageName}${service ? ` (${service})` : ''}: ${describe(e)}`;
    c.error(describe(e), { title: `bf ${stageName} failed${service ? ` (${service})` : ''}` });
    c.setFailed(`bf failed in stage ${failure}`);
  } finally {
    const seconds = (deps.now() - started) / 1000;
    c.setOutput('duration-seconds', seconds.toFixed(1));
    try {
      const md = renderSummary({
        ok: outcome.ok,
        failure,
        stages,
        result: outcome.result,
        es,
        minSignals: cfg?.minSignals ?? 0,
        artifact: outcome.artifact?.id
          ? {
              name: artifactName,
              id: outcome.artifact.id,
              url: artifactUrl(env, outcome.artifact.id),
              files: outcome.artifact.files,
            }
          : undefined,
      });
      await c.summary.addRaw(pulls.length ? `${md}\n\n${renderPulls(pulls)}` : md).write();
    } catch (e) {
      // No GITHUB_STEP_SUMMARY (local run): the summary is optional, the result is not.
      c.warning(`job summary not written: ${describe(e)}`);
    }
    if (outcome.ok) c.saveState(STATE_KEYS.mainSucceeded, 'true');
  }
  return outcome;
}
