import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../util/errors.ts';
import { builtinListNames, normaliseSymbol, parseSymbolList, resolveSymbolList } from './symbols.ts';

async function tempList(text: string, name = 'mine.txt'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bf-symbols-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).exitCode).toBe(2);
  return err as UsageError;
}

describe('normaliseSymbol', () => {
  it.each([
    ['aapl', 'AAPL'],
    ['BRK-B', 'BRK-B'],
    ['^gspc', '^GSPC'],
    ['RDS.A', 'RDS.A'],
    ['btc-usd', 'BTC-USD'],
    ['EURUSD=X', 'EURUSD=X'],
    [' msft ', 'MSFT'],
  ])('accepts %s as %s', (raw, symbol) => {
    expect(normaliseSymbol(raw)).toEqual({ symbol });
  });

  it.each([['BRK B'], ['AAPL$'], ['ÄPFEL'], ['ABCDEFGHIJKLMNOP'], ['A/B']])('rejects %s', (raw) => {
    expect(normaliseSymbol(raw)).toHaveProperty('error');
  });
});

describe('parseSymbolList', () => {
  it('drops comments and blank lines, upper-cases, and dedupes keeping first order', () => {
    const text = '# header\nmsft\n\nAAPL  # inline comment\r\nMSFT\nbrk-b\naapl\n';
    expect(parseSymbolList(text, 'x.txt')).toEqual(['MSFT', 'AAPL', 'BRK-B']);
  });

  it('names the file, line and symbol of a malformed entry', () => {
    expect(() => parseSymbolList('AAPL\nMSFT\nBRK B\n', 'list.txt')).toThrow(
      /list\.txt line 3: "BRK B" contains whitespace/,
    );
  });

  it('rejects a list with only comments', () => {
    expect(() => parseSymbolList('# nothing\n\n', 'empty.txt')).toThrow(/empty\.txt has no symbols/);
  });
});

describe('resolveSymbolList', () => {
  it('ships demo_small (~25) and demo_large (300-500) as built-ins of valid, unique symbols', async () => {
    expect(await builtinListNames()).toEqual(expect.arrayContaining(['demo_small', 'demo_large']));
    const small = await resolveSymbolList('demo_small');
    expect(small.name).toBe('demo_small');
    expect(small.symbols.length).toBeGreaterThanOrEqual(20);
    expect(small.symbols.length).toBeLessThanOrEqual(30);
    expect(small.symbols).toContain('AAPL');
    const large = await resolveSymbolList('demo_large');
    expect(large.symbols.length).toBeGreaterThanOrEqual(300);
    expect(large.symbols.length).toBeLessThanOrEqual(500);
  });

  it('reads a path and names the list after the file', async () => {
    const path = await tempList('spy\nqqq\n', 'etfs.txt');
    expect(await resolveSymbolList(path)).toEqual({ name: 'etfs', symbols: ['SPY', 'QQQ'] });
  });

  it('lists the built-in names for an unknown name', async () => {
    const err = await usageError(resolveSymbolList('demo_medium'));
    expect(err.message).toContain('demo_medium');
    expect(err.hint).toContain('demo_small');
    expect(err.hint).toContain('demo_large');
  });

  it('names a missing file', async () => {
    const err = await usageError(resolveSymbolList('./nowhere/list.txt'));
    expect(err.message).toContain('./nowhere/list.txt');
  });

  it('rejects an empty file and a malformed symbol with exit 2', async () => {
    await usageError(resolveSymbolList(await tempList('')));
    const err = await usageError(resolveSymbolList(await tempList('AAPL\nB@D\n')));
    expect(err.message).toMatch(/line 2: "B@D"/);
  });
});
