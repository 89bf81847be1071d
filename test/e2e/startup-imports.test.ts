import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBf } from '../support/run-bf.ts';

/**
 * Every bf command pays for what the CLI's modules import before its action runs. A constant imported from a
 * module that imports the AWS SDK made every command (`bf --version`, the nightly `bf signals generate`) load it:
 * ~55 ms of CPU each. The packages a command needs are imported where it runs (import()).
 */
describe('the CLI start', () => {
  it('loads no package but commander before a command runs', async () => {
    // A resolve hook in the bf process itself: every module it loads, as resolved.
    const hook = join(mkdtempSync(join(tmpdir(), 'bf-imports-')), 'hook.mjs');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';
registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); process.stderr.write('bf-import ' + r.url + '\\n'); return r; } });
`,
    );
    const r = await runBf(['--version'], {}, { nodeArgs: ['--import', hook] });
    expect(r.code).toBe(0);
    const urls = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('bf-import '))
      .map((l) => l.slice('bf-import '.length));
    // The hook sees the CLI's own modules, so an empty list would mean it saw nothing.
    expect(urls.some((u) => u.endsWith('/src/cli/main.ts'))).toBe(true);
    const packages = new Set(
      urls
        .filter((u) => u.includes('/node_modules/'))
        .map((u) => {
          const parts = u.slice(u.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/');
          return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
        }),
    );
    expect([...packages]).toEqual(['commander']);
  });
});
