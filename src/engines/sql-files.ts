import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BfError } from '../util/errors.ts';

/** The shared SQL files every engine runs, by name (`sql/<name>.sql`). */
export type SqlFile = 'features' | 'breadth';

/**
 * Directories searched for `sql/`: `BF_SQL_DIR`, the repo's `sql/` (from src/engines/), and `sql/` beside a bundle
 * (dist/ copies it there).
 */
function candidateDirs(): string[] {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dirs = [join(here, '..', '..', 'sql'), join(here, 'sql'), join(here, '..', 'sql')];
  const env = process.env.BF_SQL_DIR;
  return env ? [env, ...dirs] : dirs;
}

/** The text of `sql/<name>.sql` as one statement: comments kept, trailing semicolon and blank lines removed. */
export function loadSql(name: SqlFile): string {
  const dirs = candidateDirs();
  for (const dir of dirs) {
    const path = join(dir, `${name}.sql`);
    if (existsSync(path)) return readFileSync(path, 'utf8').trim().replace(/;\s*$/, '');
  }
  throw new BfError(`cannot find ${name}.sql`, {
    hint: `looked in ${dirs.join(', ')}; set BF_SQL_DIR to the directory holding the bf SQL files`,
  });
}
