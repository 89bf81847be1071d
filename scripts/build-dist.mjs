// Bundles the GitHub Action: src/action/{main,post}.ts → dist/{main,post}.js (ESM, Node 24), runnable with no
// node_modules. Deterministic: no timestamps, no absolute paths, no source maps; `npm run check-dist` rebuilds
// and fails on any diff. @duckdb/node-api is a native module and cannot be bundled: it stays external, and only
// the embedded engine (engine: duckdb) loads it, lazily; the action's default engine (spark) never does.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTERNAL = ['@duckdb/node-api'];

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/action/main.ts', post: 'src/action/post.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node24',
  external: EXTERNAL,
  // CommonJS dependencies call require() for Node built-ins; ESM output has none, so provide one.
  banner: {
    js: "import { createRequire as __bfCreateRequire } from 'node:module';\nconst require = __bfCreateRequire(import.meta.url);",
  },
  legalComments: 'linked',
  minify: true,
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
});

// A static import of an external native module would make the bundle fail to load without node_modules.
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  for (const imp of out.imports) {
    if (EXTERNAL.includes(imp.path) && imp.kind !== 'dynamic-import') {
      throw new Error(
        `${file} imports ${imp.path} statically (${imp.kind}); load it with a dynamic import()`,
      );
    }
  }
}
const sizes = await Promise.all(
  Object.keys(result.metafile.outputs).map(
    async (f) => `${f} ${((await readFile(path.join(root, f))).length / 1024).toFixed(0)} KiB`,
  ),
);
console.log(sizes.sort().join('\n'));
