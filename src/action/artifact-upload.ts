import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import { BfError } from '../util/errors.ts';
import { artifactRoute, keepLocally, uploadToActServer } from './act-artifact.ts';

export interface UploadedArtifact {
  id: number;
  size: number;
  digest: string | undefined;
  files: string[];
  /** Set when no artifact service was there (act without --artifact-server-path): where the files were kept. */
  localDir?: string;
}

export interface ArtifactRequest {
  name: string;
  /** Files are stored in the zip relative to this directory. */
  rootDirectory: string;
  files: string[];
  retentionDays?: number;
}

/**
 * Uploads files as one artifact through the Actions Results service (`ACTIONS_RUNTIME_TOKEN`,
 * `ACTIONS_RESULTS_URL`); under act, through act's artifact server or into a local folder (act-artifact.ts).
 * Missing files are skipped; an empty set is an error naming the directory.
 */
export async function uploadArtifact(
  req: ArtifactRequest,
  env: NodeJS.ProcessEnv = process.env,
): Promise<UploadedArtifact> {
  const files = req.files.filter((f) => existsSync(f) && statSync(f).isFile());
  if (files.length === 0) {
    throw new BfError(
      `Artifact '${req.name}': none of ${req.files.length} files exist under ${req.rootDirectory}`,
      {
        hint: 'check that the pipeline wrote its report (see the pipeline stage log)',
      },
    );
  }
  const route = artifactRoute(env);
  if (route === 'act-server') {
    // act deletes the job's temp dir at the end: the files are also kept where the user can open them.
    const kept = await keepLocally(req, files, env);
    return { ...(await uploadToActServer(req, files, env)), localDir: kept.localDir };
  }
  if (route === 'local') return keepLocally(req, files, env);
  for (const name of ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL']) {
    if (!env[name]) {
      throw new BfError(`Artifact '${req.name}': ${name} is not set`, {
        hint: 'artifacts upload only inside a GitHub Actions job (or with a Results service URL and token set)',
      });
    }
  }
  const client = new DefaultArtifactClient();
  const res = await client.uploadArtifact(req.name, files, req.rootDirectory, {
    retentionDays: req.retentionDays,
  });
  if (res.id === undefined) throw new BfError(`Artifact '${req.name}': the service returned no artifact id`);
  return {
    id: res.id,
    size: res.size ?? 0,
    digest: res.digest,
    files: files.map((f) => path.relative(req.rootDirectory, f)),
  };
}
