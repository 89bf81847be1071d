// Plain JavaScript, loaded before any TypeScript (as node-check.js).
//
// `bf` runs dist/cli/bf.js, the CLI bundled by scripts/build-dist.mjs (checked in and kept current by
// `npm run check-dist`, as the Action's dist/ is), when it was built from exactly the sources beside it and for the
// installed @duckdb/node-api: one module and a few lazy chunks instead of ~80 TypeScript modules and ~180 of
// DuckDB's Node API loaded one by one (about 85 ms of CPU per command, a sixth of a nightly incremental run). When
// a source differs (edited in a clone, a branch not rebuilt) or another @duckdb/node-api is installed, it runs the
// TypeScript sources, as before: there is no build step to forget.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The bundle's manifest, beside it: written by scripts/build-dist.mjs. */
export const BUNDLE_MANIFEST = 'dist/cli/bundle.json';

/** SHA-256 of the sources (paths relative to the root, in the manifest's order) as the manifest keeps it. */
export function sourcesDigest(root, paths, read = (p) => readFileSync(new URL(p, root))) {
  const hash = createHash('sha256');
  for (const p of paths) {
    hash.update(p);
    hash.update('\0');
    hash.update(read(p));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * The URL of the bundled CLI under `root` (a directory URL ending in /) when its manifest matches the sources and
 * the installed native binding its bundled DuckDB Node API calls, else null (then bin/bf.js imports the sources).
 */
export function bundledCli(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL(BUNDLE_MANIFEST, root), 'utf8'));
  } catch {
    return null; // no bundle (never built here)
  }
  try {
    if (sourcesDigest(root, manifest.sources) !== manifest.sourcesSha256) return null;
    const entry = new URL(manifest.entry, root);
    const require = createRequire(entry);
    for (const [name, version] of Object.entries(manifest.packages)) {
      const installed = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
      if (installed !== version) return null;
    }
    return entry.href;
  } catch {
    return null; // a source removed, a package missing: the sources say what is wrong
  }
}
