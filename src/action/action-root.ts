import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The action's checkout root: the nearest directory above this module holding action.yml. Works from the source
 * (src/action/) and from the bundle (dist/), which sit at different depths. The runner's GITHUB_ACTION_PATH wins.
 */
export function findActionRoot(moduleUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_ACTION_PATH && existsSync(path.join(env.GITHUB_ACTION_PATH, 'action.yml'))) {
    return env.GITHUB_ACTION_PATH;
  }
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(path.join(dir, 'action.yml'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`action.yml not found above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}
