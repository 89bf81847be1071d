// Bundles the GitHub Action: src/action/{main,post}.ts → dist/{main,post}.js (ESM, Node 24), runnable with no
// node_modules. Deterministic: no timestamps, no absolute paths, no source maps; `npm run check-dist` rebuilds
// and fails on any diff. @duckdb/node-api is a native module and cannot be bundled: it stays external, and only
// the embedded engine (engine: duckdb) loads it, lazily; the action's default engine (spark) never does.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTERNAL = ['@duckdb/node-api'];

const ENTRY_POINTS = { main: 'src/action/main.ts', post: 'src/action/post.ts' };

// Start from an empty dist/: chunk names carry content hashes, so stale chunks would otherwise linger, tracked.
await rm(path.join(root, 'dist'), { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: ENTRY_POINTS,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node24',
  external: EXTERNAL,
  // The default export reads native.wasm next to itself at load time; the bundled variant inlines it.
  alias: { '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled' },
  // CommonJS dependencies call require() for Node built-ins; ESM output has none, so provide one.
  banner: {
    js: "import { createRequire as __bfCreateRequire } from 'node:module';\nconst require = __bfCreateRequire(import.meta.url);",
  },
  legalComments: 'eof',
  minify: true,
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
});

// The entry points must load without node_modules: no external may sit in their static import closure.
// Chunks reached only through import() may import one (they load it when that code path runs).
const outputs = result.metafile.outputs;
const warnings = [];
for (const [file, out] of Object.entries(outputs)) {
  // import() targets are implicit entry points too; only the action's own must load without node_modules.
  if (!Object.values(ENTRY_POINTS).includes(out.entryPoint)) continue;
  const seen = new Set();
  const stack = [file];
  while (stack.length > 0) {
    const f = stack.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    for (const imp of outputs[f]?.imports ?? []) {
      if (imp.kind === 'dynamic-import') continue;
      if (EXTERNAL.includes(imp.path)) {
        throw new Error(
          `${file} loads ${imp.path} statically (via ${f}); import it with import() where it is used`,
        );
      }
      if (!imp.external) stack.push(imp.path);
    }
  }
}
for (const [file, out] of Object.entries(outputs)) {
  for (const imp of out.imports) {
    if (EXTERNAL.includes(imp.path) && imp.kind !== 'dynamic-import')
      warnings.push(`${file} imports ${imp.path} statically`);
  }
}
const sizes = await Promise.all(
  Object.keys(result.metafile.outputs).map(
    async (f) => `${f} ${((await readFile(path.join(root, f))).length / 1024).toFixed(0)} KiB`,
  ),
);
console.log(sizes.sort().join('\n'));
for (const w of warnings)
  console.log(`note: ${w} (loaded only when the pipeline runs; engine spark needs it lazy too)`);
