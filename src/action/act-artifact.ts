/**
 * Report artifacts under nektos/act, whose artifact server (`--artifact-server-path`, act ≤ 0.2.89) speaks the
 * Results service's Twirp API but decodes requests strictly: the `mime_type` field that @actions/artifact ≥ 6
 * sends in CreateArtifact is refused (nektos/act#6114), and it appends uploaded blocks in arrival order rather
 * than committing a block list. So under act bf uploads with the calls act's v4 handlers accept (act's
 * pkg/artifacts/artifacts_v4.go): CreateArtifact without mime_type, the whole zip in one `comp=block` PUT to the
 * signed URL, FinalizeArtifact with size and sha256. Without an artifact server act sets no runtime token:
 * the files are then copied into a named folder of the workspace.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import archiver from 'archiver';
import { BfError } from '../util/errors.ts';
import type { ArtifactRequest, UploadedArtifact } from './artifact-upload.ts';

const SERVICE = 'twirp/github.actions.results.api.v1.ArtifactService';
/** Folder of the workspace that holds the report under act (with or without an artifact server). */
export const LOCAL_ARTIFACT_DIR = 'bf-artifacts';
/**
 * Under act, an absolute folder to keep the report in instead of `<workspace>/bf-artifacts`. Needed with act's
 * self-hosted platform (`-P ubuntu-latest=-self-hosted`): the workspace is then act's temporary copy of the working
 * tree (`<act cache>/<random>/hostexecutor`), deleted when the job ends; act passes the host's environment to such
 * jobs, so `BF_ACT_REPORT_DIR=$PWD/bf-artifacts act …` keeps the files.
 */
export const ACT_REPORT_DIR_ENV = 'BF_ACT_REPORT_DIR';

/** How a report leaves the job: GitHub's service, act's server, or a local folder (act without a server). */
export type ArtifactRoute = 'github' | 'act-server' | 'local';

export function artifactRoute(env: NodeJS.ProcessEnv): ArtifactRoute {
  if (env.ACT !== 'true') return 'github';
  return env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL ? 'act-server' : 'local';
}

/** The run/job backend ids from the runtime token's `scp` claim (`Actions.Results:<run>:<job>`). */
export function backendIds(token: string): { run: string; job: string } {
  const payload = token.split('.')[1] ?? '';
  let scp = '';
  try {
    scp = String(
      (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { scp?: unknown }).scp ?? '',
    );
  } catch {
    // falls through to the error below
  }
  const m = /Actions\.Results:([^:\s]+):([^:\s]+)/.exec(scp);
  if (!m) {
    throw new BfError('ACTIONS_RUNTIME_TOKEN carries no Actions.Results scope', {
      hint: 'run under GitHub Actions or act (with --artifact-server-path), which issue the token',
    });
  }
  return { run: m[1]!, job: m[2]! };
}

/** The files as one zip (entries relative to rootDirectory), the format the Results service stores. */
export async function zipFiles(rootDirectory: string, files: string[], dest: string): Promise<Buffer> {
  const zip = archiver('zip', { zlib: { level: 6 } });
  const out = createWriteStream(dest);
  const done = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
    zip.on('error', reject);
  });
  zip.pipe(out);
  for (const f of files) zip.file(f, { name: path.relative(rootDirectory, f) });
  await zip.finalize();
  await done;
  return readFile(dest);
}

async function twirp(
  base: string,
  method: string,
  token: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const url = `${base.replace(/\/?$/, '/')}${SERVICE}/${method}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    throw new BfError(`act's artifact server at ${base} unreachable (${method}): ${(e as Error).message}`, {
      hint: 'act starts it with --artifact-server-path DIR; check act is still running',
      cause: e,
    });
  }
  const text = await res.text();
  if (!res.ok) {
    throw new BfError(
      `act's artifact server refused ${method}: HTTP ${res.status}${text ? ` ${text.slice(0, 300)}` : ''}`,
      {
        hint: "see act's log for the reason it printed",
      },
    );
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Uploads to act's artifact server; act stores it as `<server dir>/<run id>/<name>/<name>.zip`. */
export async function uploadToActServer(
  req: ArtifactRequest,
  files: string[],
  env: NodeJS.ProcessEnv,
): Promise<UploadedArtifact> {
  const token = env.ACTIONS_RUNTIME_TOKEN!;
  const base = env.ACTIONS_RESULTS_URL!;
  const ids = backendIds(token);
  const scratch = path.join(req.rootDirectory, '..', `.${req.name}.zip`);
  const bytes = await zipFiles(req.rootDirectory, files, scratch);
  await rm(scratch, { force: true });
  const digest = createHash('sha256').update(bytes).digest('hex');
  const owner = { workflow_run_backend_id: ids.run, workflow_job_run_backend_id: ids.job, name: req.name };
  const created = await twirp(base, 'CreateArtifact', token, { ...owner, version: 4 });
  const signed = created.signedUploadUrl ?? created.signed_upload_url;
  if (created.ok !== true || typeof signed !== 'string') {
    throw new BfError(`act's artifact server did not create artifact '${req.name}'`, {
      hint: JSON.stringify(created),
    });
  }
  const put = await fetch(`${signed}&comp=block`, {
    method: 'PUT',
    headers: { 'content-type': 'application/zip', 'content-length': String(bytes.length) },
    body: bytes,
    signal: AbortSignal.timeout(300_000),
  });
  if (put.status !== 201) {
    throw new BfError(`act's artifact server refused the upload of '${req.name}': HTTP ${put.status}`);
  }
  const fin = await twirp(base, 'FinalizeArtifact', token, {
    ...owner,
    size: String(bytes.length),
    hash: `sha256:${digest}`,
  });
  if (fin.ok !== true) {
    throw new BfError(`act's artifact server did not finalize artifact '${req.name}'`, {
      hint: JSON.stringify(fin),
    });
  }
  return {
    id: Number(fin.artifactId ?? fin.artifact_id ?? 0),
    size: bytes.length,
    digest,
    files: files.map((f) => path.relative(req.rootDirectory, f)),
  };
}

/**
 * True when the workspace is act's temporary copy for a self-hosted job: act makes `hostexecutor` (the workspace)
 * and `tmp` (RUNNER_TEMP) side by side in one random folder and removes that folder when the job ends
 * (nektos/act pkg/runner/run_context.go, startHostEnvironment).
 */
export function actWorkspaceIsTemporary(env: NodeJS.ProcessEnv): boolean {
  const ws = env.GITHUB_WORKSPACE;
  const tmp = env.RUNNER_TEMP;
  return (
    env.ACT === 'true' &&
    !!ws &&
    !!tmp &&
    path.basename(ws) === 'hostexecutor' &&
    path.dirname(path.resolve(ws)) === path.dirname(path.resolve(tmp))
  );
}

/** Where the report is kept under act: `$BF_ACT_REPORT_DIR/<name>`, else `<workspace>/bf-artifacts/<name>`. */
export function localReportDir(name: string, env: NodeJS.ProcessEnv): string {
  const chosen = env[ACT_REPORT_DIR_ENV];
  if (chosen !== undefined && chosen !== '') {
    if (!path.isAbsolute(chosen)) {
      throw new BfError(`${ACT_REPORT_DIR_ENV} must be an absolute path (got ${JSON.stringify(chosen)})`, {
        hint: `e.g. ${ACT_REPORT_DIR_ENV}=$PWD/${LOCAL_ARTIFACT_DIR}`,
      });
    }
    return path.join(chosen, name);
  }
  return path.resolve(env.GITHUB_WORKSPACE || process.cwd(), LOCAL_ARTIFACT_DIR, name);
}

/** Copies the report files into localReportDir (replacing an older report of the same name). */
export async function keepLocally(
  req: ArtifactRequest,
  files: string[],
  env: NodeJS.ProcessEnv,
): Promise<UploadedArtifact> {
  const dir = localReportDir(req.name, env);
  await rm(dir, { recursive: true, force: true });
  const rel = files.map((f) => path.relative(req.rootDirectory, f));
  for (const r of rel) {
    await mkdir(path.dirname(path.join(dir, r)), { recursive: true });
    await copyFile(path.join(req.rootDirectory, r), path.join(dir, r));
  }
  return { id: 0, size: 0, digest: undefined, files: rel, localDir: dir };
}
