import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { manifestDocument } from '../../src/report/manifest.ts';

/** Writes `files` into `dir` and, last, the manifest.json a run writes for them (the real bf.outputs document). */
export async function writeOutputSet(
  dir: string,
  files: Record<string, string>,
  runId = 'run-1',
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  const manifest = manifestDocument(
    {
      runId,
      command: 'pipeline run',
      symbolList: 'demo_small',
      range: { start: '2024-01-02', end: '2024-12-31' },
      source: 'sample',
      synthetic: true,
      engine: 'duckdb',
      generatedAt: '2026-12-01T00:00:00.000Z',
    },
    files,
  );
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
