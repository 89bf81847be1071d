import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../util/errors.ts';

/** A resolved list: `name` is the built-in name or the file's base name without `.txt`. */
export interface SymbolList {
  name: string;
  symbols: string[];
}

/** Yahoo symbol alphabet after upper-casing: `BRK-B`, `^GSPC`, `RDS.A`, `BTC-USD`, `EURUSD=X`. */
const SYMBOL_PATTERN = /^[A-Z0-9.^=-]+$/;
export const MAX_SYMBOL_LENGTH = 15;

const here = dirname(fileURLToPath(import.meta.url));
// Source layout (src/sources/) and bundled layout (dist/) both sit under the repo root that holds symbol-lists/.
const LIST_DIR_CANDIDATES = [resolve(here, '../../symbol-lists'), resolve(here, '../symbol-lists')];

/** Directory of the built-in lists, or undefined when neither layout has one. */
export function builtinListsDir(): string | undefined {
  return LIST_DIR_CANDIDATES.find((dir) => existsSync(dir));
}

/** Names of the built-in lists (`symbol-lists/<name>.txt`), sorted. */
export async function builtinListNames(listsDir = builtinListsDir()): Promise<string[]> {
  if (!listsDir) return [];
  const files = await readdir(listsDir);
  return files
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -'.txt'.length))
    .sort();
}

/**
 * Normalises one symbol to upper case, or returns an error string saying why it is not a Yahoo symbol.
 * Pure, so the list parser and the CLI's `--symbols` flag can share it.
 */
export function normaliseSymbol(raw: string): { symbol: string } | { error: string } {
  const symbol = raw.trim().toUpperCase();
  if (symbol.length === 0) return { error: 'empty symbol' };
  if (/\s/.test(symbol)) return { error: `"${raw.trim()}" contains whitespace` };
  if (symbol.length > MAX_SYMBOL_LENGTH) {
    return { error: `"${symbol}" is longer than ${MAX_SYMBOL_LENGTH} characters` };
  }
  if (!SYMBOL_PATTERN.test(symbol)) {
    return { error: `"${symbol}" has characters outside A-Z 0-9 . ^ = -` };
  }
  return { symbol };
}

/**
 * Parses list text: one symbol per line, `#` starts a comment, blank lines ignored,
 * duplicates dropped keeping the first occurrence. `origin` names the file in errors.
 */
export function parseSymbolList(text: string, origin: string): string[] {
  const seen = new Set<string>();
  const symbols: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const content = line.replace(/#.*$/, '').trim();
    if (content === '') return;
    const parsed = normaliseSymbol(content);
    if ('error' in parsed) {
      throw new UsageError(
        `malformed symbol in ${origin} line ${index + 1}: ${parsed.error}`,
        'put one Yahoo symbol per line (e.g. AAPL, BRK-B, ^GSPC); use # for comments',
      );
    }
    if (seen.has(parsed.symbol)) return;
    seen.add(parsed.symbol);
    symbols.push(parsed.symbol);
  });
  if (symbols.length === 0) {
    throw new UsageError(`symbol list ${origin} has no symbols`, 'add one symbol per line');
  }
  return symbols;
}

/** A list given as a path (has a separator or ends in .txt) rather than a built-in name. */
export function looksLikePath(nameOrPath: string): boolean {
  return nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.endsWith('.txt');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolves a built-in list name (`demo_small`, `demo_large`) or a path to a list file.
 * Throws UsageError (exit 2) for an unknown name, a missing file, an empty list or a malformed symbol.
 */
export async function resolveSymbolList(
  nameOrPath: string,
  opts: { listsDir?: string } = {},
): Promise<SymbolList> {
  const listsDir = opts.listsDir ?? builtinListsDir();
  const builtins = await builtinListNames(listsDir);
  if (!looksLikePath(nameOrPath) && listsDir && builtins.includes(nameOrPath)) {
    const file = join(listsDir, `${nameOrPath}.txt`);
    return { name: nameOrPath, symbols: parseSymbolList(await readFile(file, 'utf8'), file) };
  }
  if (looksLikePath(nameOrPath) || (await isFile(nameOrPath))) {
    if (!(await isFile(nameOrPath))) {
      throw new UsageError(
        `symbol list file not found: ${nameOrPath}`,
        `check the path, or use a built-in list: ${builtins.join(', ') || '(none installed)'}`,
      );
    }
    const symbols = parseSymbolList(await readFile(nameOrPath, 'utf8'), nameOrPath);
    return { name: basename(nameOrPath).replace(/\.txt$/, ''), symbols };
  }
  throw new UsageError(
    `unknown symbol list "${nameOrPath}"`,
    `use a built-in list (${builtins.join(', ') || 'none installed'}) or a path to a .txt file with one symbol per line`,
  );
}
