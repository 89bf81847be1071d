/**
 * Live progress of the Spark work bf sends to the long-lived driver (service spark-sql): its application's running
 * jobs and active stages, read from the driver's monitoring REST API (`/api/v1`, the data behind the Spark UI)
 * while a statement runs. Pure parsing and formatting here; the polling loop is `watchSparkProgress`.
 */

/** A running Spark job, as `/api/v1/applications/<id>/jobs` reports it (the fields bf shows). */
export interface SparkJobStatus {
  jobId: number;
  numTasks: number;
  numCompletedTasks: number;
  numActiveTasks: number;
  numStages: number;
  numCompletedStages: number;
}

/** An active stage, as `/api/v1/applications/<id>/stages` reports it. */
export interface SparkStageStatus {
  stageId: number;
  attemptId: number;
  name: string;
  numTasks: number;
  numCompleteTasks: number;
  numActiveTasks: number;
}

export interface SparkProgressSnapshot {
  jobs: SparkJobStatus[];
  stages: SparkStageStatus[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);

/** The application id of the driver's UI (`/api/v1/applications`: the Thrift server runs exactly one). */
export function parseApplicationId(body: unknown): string | undefined {
  if (!Array.isArray(body)) return undefined;
  const app = body.find((a) => isObject(a) && typeof a.id === 'string');
  return app ? String((app as Json).id) : undefined;
}

/** RUNNING jobs of a `/jobs` answer, by id; entries that are not jobs are skipped. */
export function parseRunningJobs(body: unknown): SparkJobStatus[] {
  if (!Array.isArray(body)) return [];
  return body
    .filter((j): j is Json => isObject(j) && typeof j.jobId === 'number' && j.status === 'RUNNING')
    .map((j) => ({
      jobId: int(j.jobId),
      numTasks: int(j.numTasks),
      numCompletedTasks: int(j.numCompletedTasks),
      numActiveTasks: int(j.numActiveTasks),
      numStages: Array.isArray(j.stageIds) ? j.stageIds.length : 0,
      // skipped stages (their output was already there) count as done
      numCompletedStages: int(j.numCompletedStages) + int(j.numSkippedStages),
    }))
    .sort((a, b) => a.jobId - b.jobId);
}

/** ACTIVE stages of a `/stages` answer, by id. */
export function parseActiveStages(body: unknown): SparkStageStatus[] {
  if (!Array.isArray(body)) return [];
  return body
    .filter((s): s is Json => isObject(s) && typeof s.stageId === 'number' && s.status === 'ACTIVE')
    .map((s) => ({
      stageId: int(s.stageId),
      attemptId: int(s.attemptId),
      name: typeof s.name === 'string' ? s.name : '',
      numTasks: int(s.numTasks),
      numCompleteTasks: int(s.numCompleteTasks),
      numActiveTasks: int(s.numActiveTasks),
    }))
    .sort((a, b) => a.stageId - b.stageId);
}

/**
 * A stage's call site without its source location (`count at X.scala:12` → `count`); generated names such as
 * `$anonfun$recordDeltaOperationInternal$1` say nothing to a user and are left out.
 */
const shortName = (name: string) => {
  const head = name.split(' at ')[0]?.trim() ?? '';
  return /^[A-Za-z_]\w*$/.test(head) ? head : '';
};

/**
 * One progress line, or undefined when nothing runs, e.g.
 * `  … spark bf-signals-x: breadth: job 12 (1/3 stages, 40/120 tasks) · stage 31 (attempt 1) 12/40 tasks, 4 running`.
 */
export function formatSparkProgress(label: string, snap: SparkProgressSnapshot): string | undefined {
  if (!snap.jobs.length && !snap.stages.length) return undefined;
  const jobs = snap.jobs.map(
    (j) =>
      `job ${j.jobId} (${j.numCompletedStages}/${j.numStages} stages, ${j.numCompletedTasks}/${j.numTasks} tasks)`,
  );
  const stages = snap.stages.map((s) => {
    const name = shortName(s.name);
    const attempt = s.attemptId > 0 ? ` (attempt ${s.attemptId + 1})` : '';
    const running = s.numActiveTasks ? `, ${s.numActiveTasks} running` : '';
    return `stage ${s.stageId}${name ? ` ${name}` : ''}${attempt} ${s.numCompleteTasks}/${s.numTasks} tasks${running}`;
  });
  return `  … spark ${label}: ${[...jobs, ...stages].join(' · ')}`;
}

export interface SparkProgressWatcherOptions {
  /** The driver's UI, e.g. `http://127.0.0.1:4040`. */
  baseUrl: string;
  intervalMs: number;
  onProgress: (snap: SparkProgressSnapshot) => void;
  /** Per request; a slow or absent UI just means no progress for that tick. */
  requestTimeoutMs?: number;
}

export interface SparkProgressWatcher {
  stop(): Promise<void>;
}

/**
 * Polls the driver's `/api/v1` every `intervalMs` until stopped and reports each snapshot that differs from the
 * last one reported. Best effort: progress is informational, so an unreachable UI (the driver restarting, a port
 * not published) is silence, never a failed job. The application id is looked up again after a failure (a
 * restarted driver is a new application).
 */
export function watchSparkProgress(opts: SparkProgressWatcherOptions): SparkProgressWatcher {
  const timeout = opts.requestTimeoutMs ?? 2_000;
  const base = opts.baseUrl.replace(/\/+$/, '');
  // stop() aborts a request in flight: the job's end never waits on the UI.
  const abort = new AbortController();
  const get = async (path: string): Promise<unknown> => {
    const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(timeout)]);
    const res = await fetch(`${base}/api/v1${path}`, { signal });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  };
  let appId: string | undefined;
  let last = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      appId ??= parseApplicationId(await get('/applications'));
      if (!appId) return;
      const app = encodeURIComponent(appId);
      const [jobs, stages] = await Promise.all([
        get(`/applications/${app}/jobs?status=running`),
        get(`/applications/${app}/stages?status=active`),
      ]);
      const snap = { jobs: parseRunningJobs(jobs), stages: parseActiveStages(stages) };
      const key = JSON.stringify(snap);
      if (stopped || key === last || (!snap.jobs.length && !snap.stages.length)) return;
      last = key;
      opts.onProgress(snap);
    } catch {
      appId = undefined;
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = tick().finally(schedule);
    }, opts.intervalMs);
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
      await inFlight;
    },
  };
}
