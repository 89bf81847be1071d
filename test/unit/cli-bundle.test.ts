import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLE_MANIFEST, bundledCli, sourcesDigest } from '../../bin/bundled.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A package root holding sources, a bundle built from them, its manifest and an installed native binding. */
function packageRoot(): { dir: string; url: URL } {
  const dir = mkdtempSync(join(tmpdir(), 'bf-bundle-'));
  const url = pathToFileURL(`${dir}/`);
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put('src/cli/main.ts', 'export const main = 1;\n');
  put('src/util/x.ts', 'export const x = 2;\n');
  put('dist/cli/bf.js', 'export const main = 1;\n');
  put(
    'node_modules/@duckdb/node-bindings/package.json',
    '{"name":"@duckdb/node-bindings","version":"1.0.0"}',
  );
  const sources = ['src/cli/main.ts', 'src/util/x.ts'];
  put(
    BUNDLE_MANIFEST,
    JSON.stringify({
      entry: 'dist/cli/bf.js',
      sources,
      sourcesSha256: sourcesDigest(url, sources),
      packages: { '@duckdb/node-bindings': '1.0.0' },
    }),
  );
  return { dir, url };
}

describe('bin/bf.js picks the bundled CLI only while it matches what it was built from', () => {
  it('the bundle when the sources and the native binding are the ones in its manifest', () => {
    const { url } = packageRoot();
    expect(bundledCli(url)).toBe(new URL('dist/cli/bf.js', url).href);
  });

  it('the sources when one source differs, is gone, the binding is another version, or nothing was built', () => {
    const edited = packageRoot();
    writeFileSync(join(edited.dir, 'src/util/x.ts'), 'export const x = 3;\n');
    expect(bundledCli(edited.url)).toBeNull();
    const gone = packageRoot();
    rmSync(join(gone.dir, 'src/util/x.ts'));
    expect(bundledCli(gone.url)).toBeNull();
    const other = packageRoot();
    writeFileSync(
      join(other.dir, 'node_modules/@duckdb/node-bindings/package.json'),
      '{"name":"@duckdb/node-bindings","version":"1.0.1"}',
    );
    expect(bundledCli(other.url)).toBeNull();
    const none = packageRoot();
    rmSync(join(none.dir, BUNDLE_MANIFEST));
    expect(bundledCli(none.url)).toBeNull();
  });

  it('the repository’s manifest lists the CLI’s own sources and the binding the lock file installs', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, BUNDLE_MANIFEST), 'utf8')) as {
      entry: string;
      sources: string[];
      packages: Record<string, string>;
    };
    expect(manifest.entry).toBe('dist/cli/bf.js');
    expect(manifest.sources).toContain('src/cli/main.ts');
    expect(manifest.sources).toContain('src/engines/duckdb/incremental.ts');
    expect(manifest.sources.every((s) => !s.includes('node_modules'))).toBe(true);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    expect(manifest.packages).toEqual({
      '@duckdb/node-bindings': lock.packages['node_modules/@duckdb/node-bindings']!.version,
    });
  });
});
