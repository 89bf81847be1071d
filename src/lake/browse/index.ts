import type { Logger } from '../../util/log.ts';
import { resolveWorkdir } from '../lake.ts';
import type { LakeBrowser } from './types.ts';

export { requireTableName } from './checks.ts';
export type * from './types.ts';

/** The lake of an engine, read only: the embedded Parquet lake of the workdir, or the Delta lake on the S3 store. */
export async function openLakeBrowser(
  engine: 'duckdb' | 'spark',
  opts: { workdir?: string; env?: NodeJS.ProcessEnv; logger?: Logger } = {},
): Promise<LakeBrowser> {
  if (engine === 'spark') {
    const { DeltaLakeBrowser } = await import('./delta-browser.ts');
    return DeltaLakeBrowser.open(opts.env);
  }
  const { LocalLakeBrowser } = await import('./local-browser.ts');
  return LocalLakeBrowser.open(resolveWorkdir(opts.workdir), opts.logger);
}
