import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { manifestShape } from '../report/schemas.ts';
import { BfError } from '../util/errors.ts';
import { escapeControl } from '../util/escape.ts';
import { OUTPUT_FILES } from './outputs.ts';

const MANIFEST_FILE = OUTPUT_FILES.manifest;

/**
 * Reading a run's output set back from disk: its `manifest.json` is the list (one source of truth for what a run
 * wrote, whatever command wrote it), and every file it names must still have the size and SHA-256 it records.
 * Used by the Action before it uploads the set, so an artifact is always one run's complete, unaltered set.
 */

/** A file of the set differs from what manifest.json recorded (changed, truncated or missing since the run). */
export class OutputSetMismatchError extends BfError {
  readonly file: string;
  constructor(file: string, what: string, dir: string) {
    super(`output set ${dir}: ${file} ${what}`, {
      hint: `the file changed after the run wrote it; run the pipeline again to write a consistent set into ${dir}`,
    });
    this.name = 'OutputSetMismatchError';
    this.file = file;
  }
}

export interface VerifiedOutputSet {
  runId: string;
  /** Absolute paths: every file the manifest lists, in its order, then manifest.json itself. */
  files: string[];
}

/**
 * The files of the run whose set is in `dir`, each checked against manifest.json. Throws a BfError when there
 * is no readable manifest, and an OutputSetMismatchError naming the first file that is missing or differs.
 */
export async function verifiedOutputSet(dir: string): Promise<VerifiedOutputSet> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  let raw: string;
  try {
    raw = await readFile(manifestPath, 'utf8');
  } catch (e) {
    throw new BfError(`output set ${dir}: no ${MANIFEST_FILE} (${(e as NodeJS.ErrnoException).code ?? e})`, {
      hint: 'the run wrote no complete output set there (the manifest is written last); see the pipeline log',
      cause: e,
    });
  }
  let manifest: ReturnType<typeof manifestShape.parse>;
  try {
    manifest = manifestShape.parse(JSON.parse(raw));
  } catch (e) {
    throw new BfError(
      `output set ${dir}: ${MANIFEST_FILE} is not a bf.outputs manifest: ${(e as Error).message}`,
      {
        hint: 'it was not written by this version of bf; run the pipeline again',
        cause: e,
      },
    );
  }
  const files: string[] = [];
  for (const entry of manifest.files) {
    // A name is a file of the set's own directory, never a path out of it.
    if (entry.name !== path.basename(entry.name) || entry.name === '..' || entry.name === MANIFEST_FILE) {
      throw new OutputSetMismatchError(escapeControl(entry.name), 'is not a file name of the set', dir);
    }
    const file = path.join(dir, entry.name);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new OutputSetMismatchError(
        entry.name,
        `is listed in ${MANIFEST_FILE} but cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`,
        dir,
      );
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== entry.sha256 || bytes.length !== entry.bytes) {
      throw new OutputSetMismatchError(
        entry.name,
        `has SHA-256 ${sha256} (${bytes.length} bytes), ${MANIFEST_FILE} of run ${manifest.run.run_id} records ${entry.sha256} (${entry.bytes} bytes)`,
        dir,
      );
    }
    files.push(file);
  }
  return { runId: manifest.run.run_id, files: [...files, manifestPath] };
}
