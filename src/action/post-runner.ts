import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { verifiedOutputSet } from '../pipeline/output-set.ts';
import { OUTPUT_FILES } from '../pipeline/outputs.ts';
import type { ArtifactRequest, UploadedArtifact } from './artifact-upload.ts';
import type { CoreApi } from './main-runner.ts';
import { type ActionState, readState } from './state.ts';

/** The compose operations post needs, on the project main saved. */
export interface PostStack {
  captureDiagnostics(dir: string): Promise<string[]>;
  down(opts: { volumes: boolean }): Promise<void>;
}

export interface PostDeps {
  core: Pick<CoreApi, 'getState' | 'info' | 'warning' | 'error' | 'debug' | 'group' | 'setFailed'>;
  stackFor(state: ActionState): PostStack;
  uploadArtifact(req: ArtifactRequest): Promise<UploadedArtifact>;
}

export interface PostOutcome {
  state: ActionState | undefined;
  diagnostics: string[];
  uploaded?: UploadedArtifact;
  tornDown: boolean;
  errors: string[];
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs after main whatever happened (`post-if: always()`, also on cancellation). Log capture, the failure
 * upload and `down` each sit in their own try, so `down` runs even when the others fail. Capture and upload
 * problems are warnings; a failed `down` fails the step (it leaks containers and volumes).
 */
export async function runPost(deps: PostDeps): Promise<PostOutcome> {
  const c = deps.core;
  const state = readState(c);
  const out: PostOutcome = { state, diagnostics: [], tornDown: false, errors: [] };
  if (!state) {
    c.info('bf post: main saved no stack state (it failed before starting anything); nothing to tear down');
    return out;
  }
  const stack = deps.stackFor(state);

  if (!state.mainSucceeded) {
    try {
      out.diagnostics = await c.group('bf post: capture service logs', () =>
        stack.captureDiagnostics(state.artifactDir),
      );
    } catch (e) {
      out.errors.push(`capture: ${message(e)}`);
      c.warning(`bf post: could not capture service logs: ${message(e)}`);
    }
    try {
      const reportDir = path.join(state.artifactDir, 'report');
      // The report only as a whole run's set (its manifest.json, checksums checked); a pipeline that failed part
      // way wrote none (the set lands at once), and a set that does not check out is named, not uploaded.
      let reports: string[] = [];
      if (existsSync(path.join(reportDir, OUTPUT_FILES.manifest))) {
        try {
          reports = (await verifiedOutputSet(reportDir)).files;
        } catch (e) {
          c.warning(`bf post: the report is left out of the diagnostics: ${message(e)}`);
        }
      }
      const diagDir = path.join(state.artifactDir, 'diagnostics');
      const diags = existsSync(diagDir) ? readdirSync(diagDir).map((f) => path.join(diagDir, f)) : [];
      const files = [...reports, ...diags];
      if (files.length > 0) {
        out.uploaded = await c.group('bf post: upload diagnostics', () =>
          deps.uploadArtifact({
            // main may have uploaded the report under the plain name before failing later.
            name: state.artifactUploaded ? `${state.artifactName}-diagnostics` : state.artifactName,
            rootDirectory: state.artifactDir,
            files,
          }),
        );
      }
    } catch (e) {
      out.errors.push(`upload: ${message(e)}`);
      c.warning(`bf post: could not upload diagnostics: ${message(e)}`);
    }
  }

  if (state.keepUp) {
    c.info(`bf post: keep-up is set; leaving project ${state.project} running`);
    return out;
  }
  try {
    await c.group(`bf post: docker compose down --volumes (project ${state.project})`, () =>
      stack.down({ volumes: true }),
    );
    out.tornDown = true;
  } catch (e) {
    out.errors.push(`down: ${message(e)}`);
    // Leaked containers and volumes outlive the job on self-hosted runners: that fails the step.
    c.setFailed(`bf post: teardown of project ${state.project} failed: ${message(e)}`);
  }
  return out;
}
