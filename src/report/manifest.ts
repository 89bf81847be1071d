import { createHash } from 'node:crypto';
import type { DateRange } from '../domain/bar.ts';

export const MANIFEST_SCHEMA = 'bf.outputs/v1';

/** Who wrote an output set: one run, named the same in every file of the set. */
export interface RunIdentity {
  runId: string;
  /** `signals generate`, `backtest run`, `pipeline run`. */
  command: string;
  symbolList: string;
  range: DateRange;
  source: string;
  synthetic: boolean;
  engine: string;
  generatedAt: string;
}

/**
 * `manifest.json`: the run and every other file of its set with its size and SHA-256, so a reader can tell that
 * the CSVs (which carry no header room for it) belong to this run. Written last.
 */
export function manifestDocument(run: RunIdentity, files: Record<string, string>) {
  return {
    schema: MANIFEST_SCHEMA,
    run: {
      run_id: run.runId,
      command: run.command,
      symbol_list: run.symbolList,
      date_range: { start: run.range.start, end: run.range.end },
      source: run.source,
      synthetic: run.synthetic,
      engine: run.engine,
      generated_at: run.generatedAt,
    },
    files: Object.entries(files).map(([name, content]) => ({
      name,
      bytes: Buffer.byteLength(content, 'utf8'),
      sha256: createHash('sha256').update(content, 'utf8').digest('hex'),
    })),
  };
}

/** Marks an SVG document's root element with the run id (`data-bf-run-id`). */
export function markSvg(svg: string, runId: string): string {
  return svg.replace(/<svg\b/, `<svg data-bf-run-id="${runId.replace(/[^A-Za-z0-9-]/g, '')}"`);
}
