// Bundles the GitHub Action: src/action/{main,post}.ts → dist/{main,post}.js (ESM, Node 24), runnable with no
// node_modules. Deterministic: no timestamps, no absolute paths, no source maps; `npm run check-dist` rebuilds
// and fails on any diff. @duckdb/node-api is a native module and cannot be bundled: it stays external, and only
// the embedded engine (engine: duckdb) loads it, lazily; the action's default engine (spark) never does.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_MANIFEST, sourcesDigest } from '../bin/bundled.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTERNAL = ['@duckdb/node-api'];

const ENTRY_POINTS = { main: 'src/action/main.ts', post: 'src/action/post.ts' };

// Start from an empty dist/: chunk names carry content hashes, so stale chunks would otherwise linger, tracked.
await rm(path.join(root, 'dist'), { recursive: true, force: true });

// What both bundles share: ESM for Node 24, a require() for CommonJS dependencies (ESM output has none), and no
// timestamps, paths or source maps, so that a rebuild is byte for byte the same.
const SHARED = {
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  banner: {
    js: "import { createRequire as __bfCreateRequire } from 'node:module';\nconst require = __bfCreateRequire(import.meta.url);",
  },
  legalComments: 'eof',
  minify: true,
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
};

const result = await build({
  ...SHARED,
  entryPoints: ENTRY_POINTS,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  external: EXTERNAL,
  // The default export reads native.wasm next to itself at load time; the bundled variant inlines it.
  alias: { '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled' },
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

// The CLI (bin/bf.js runs it when it matches the sources: bin/bundled.js): src/cli/main.ts and what it imports, with
// commander and DuckDB's Node API (~180 small CommonJS files) bundled in; every other package stays where npm put it,
// loaded by the chunk that needs it, when it runs. In dist/cli/, two levels down as src/<dir>/ is, so that the
// sources' paths relative to their own file (sql/, symbol-lists/, the compose files) hold in the bundle too.
const CLI_BUNDLED = ['commander', '@duckdb/node-api'];
const NATIVE = '@duckdb/node-bindings';
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const cli = await build({
  ...SHARED,
  // The CSV parse worker is loaded by its file (new Worker), beside the code that starts it.
  entryPoints: { bf: 'src/cli/main.ts', 'csv-plain-worker': 'src/sources/csv-plain-worker.ts' },
  outdir: 'dist/cli',
  chunkNames: '[name]-[hash]',
  // The native binding loads its .node file from its own package directory.
  external: [...Object.keys(pkg.dependencies).filter((d) => !CLI_BUNDLED.includes(d)), NATIVE],
});
// Every command pays for the entry's static imports: no package outside the bundle may be among them.
const cliOutputs = cli.metafile.outputs;
const cliEntry = Object.keys(cliOutputs).find((f) => cliOutputs[f].entryPoint === 'src/cli/main.ts');
const staticSeen = new Set();
const staticStack = [cliEntry];
while (staticStack.length > 0) {
  const f = staticStack.pop();
  if (staticSeen.has(f)) continue;
  staticSeen.add(f);
  for (const imp of cliOutputs[f]?.imports ?? []) {
    if (imp.kind === 'dynamic-import') continue;
    if (imp.external && !imp.path.startsWith('node:')) {
      throw new Error(
        `${cliEntry} loads ${imp.path} at every start (via ${f}); import it with import() where it is used`,
      );
    }
    if (!imp.external) staticStack.push(imp.path);
  }
}
// A bundled import() of a CommonJS package gives only its default export (esbuild, with splitting): the sources
// import() a module of their own that imports the package (src/engines/duckdb/native.ts).
for (const [file, input] of Object.entries(cli.metafile.inputs)) {
  for (const imp of input.imports) {
    if (imp.kind === 'dynamic-import' && CLI_BUNDLED.some((p) => imp.path.includes(`node_modules/${p}/`))) {
      throw new Error(
        `${file} imports ${imp.original ?? imp.path} with import(): import it from a module of bf's own`,
      );
    }
  }
}
const sources = Object.keys(cli.metafile.inputs)
  .filter((f) => !f.includes('node_modules/'))
  .sort();
const rootUrl = pathToFileURL(`${root}/`);
const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8'));
await writeFile(
  path.join(root, BUNDLE_MANIFEST),
  `${JSON.stringify(
    {
      entry: cliEntry,
      sources,
      sourcesSha256: sourcesDigest(rootUrl, sources),
      // The native binding the bundled Node API calls (its exact dependency): the installed one must be this one.
      packages: { [NATIVE]: lock.packages[`node_modules/${NATIVE}`].version },
    },
    null,
    2,
  )}\n`,
);
const cliBytes = Object.values(cliOutputs).reduce((a, o) => a + o.bytes, 0);
console.log(`dist/cli/ ${Object.keys(cliOutputs).length} files, ${(cliBytes / 1024).toFixed(0)} KiB`);
