import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundledCli } from '../../bin/bundled.js';
import { runBf } from '../support/run-bf.ts';

/**
 * Every bf command pays for what the CLI's modules import before its action runs. A constant imported from a
 * module that imports the AWS SDK made every command (`bf --version`, the nightly `bf signals generate`) load it:
 * ~55 ms of CPU each. The packages a command needs are imported where it runs (import()).
 */
describe('the CLI start', () => {
  it('loads no package but commander (bundled, none) before a command runs', async () => {
    // A load hook in the bf process itself: every module it loads (not what it only resolves: bin/bundled.js
    // looks up a package's version).
    const hook = join(mkdtempSync(join(tmpdir(), 'bf-imports-')), 'hook.mjs');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';
registerHooks({ load(url, ctx, next) { process.stderr.write('bf-import ' + url + '\\n'); return next(url, ctx); } });
`,
    );
    const r = await runBf(['--version'], {}, { nodeArgs: ['--import', hook] });
    expect(r.code).toBe(0);
    const urls = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('bf-import '))
      .map((l) => l.slice('bf-import '.length));
    // The hook sees the CLI's entry (the bundle when it is current: bin/bundled.js), so an empty list would mean it
    // saw nothing; the bundle has commander in it.
    const bundle = bundledCli(pathToFileURL(`${resolve(import.meta.dirname, '../..')}/`));
    expect(urls).toContain(
      bundle ?? pathToFileURL(resolve(import.meta.dirname, '../../src/cli/main.ts')).href,
    );
    const packages = new Set(
      urls
        .filter((u) => u.includes('/node_modules/'))
        .map((u) => {
          const parts = u.slice(u.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/');
          return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
        }),
    );
    expect([...packages]).toEqual(bundle ? [] : ['commander']);
  });
});
