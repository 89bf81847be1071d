import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lake, resolveWorkdir } from './lake.ts';
import { isTableName, TABLE } from './tables.ts';

const meta = { source: 'test', synthetic: true, rows: 1, symbols: ['B', 'A'] };

function freshLake(): Lake {
  return Lake.open(mkdtempSync(join(tmpdir(), 'bf-lake-')));
}

/** Writes one fake data file whose content says which version it is. */
function writer(version: string) {
  return async (dir: string) => {
    writeFileSync(join(dir, 'part.parquet'), version);
  };
}

function readVersion(lake: Lake): string {
  const files = lake.parquetFiles(TABLE.prices);
  if (!files?.[0]) throw new Error('no table');
  return readFileSync(files[0], 'utf8');
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid ?? 999_999;
}

describe('resolveWorkdir', () => {
  it('prefers the option, then BF_HOME, then .bf in the current directory', () => {
    expect(resolveWorkdir('w', { BF_HOME: '/h' }, '/cwd')).toBe('/cwd/w');
    expect(resolveWorkdir('/abs', { BF_HOME: '/h' }, '/cwd')).toBe('/abs');
    expect(resolveWorkdir(undefined, { BF_HOME: '/h' }, '/cwd')).toBe('/h');
    expect(resolveWorkdir(' ', { BF_HOME: '' }, '/cwd')).toBe('/cwd/.bf');
  });
});

describe('table names', () => {
  it('knows its tables and nothing else', () => {
    expect(isTableName('prices')).toBe(true);
    expect(isTableName('backtest_trades')).toBe(true);
    expect(isTableName('nope')).toBe(false);
  });
});

describe('Lake.writeTable', () => {
  it('writes data and metadata, and a second write replaces the first', async () => {
    const lake = freshLake();
    expect(lake.has(TABLE.prices)).toBe(false);
    expect(lake.readMeta(TABLE.prices)).toBeNull();
    await lake.writeTable(TABLE.prices, writer('v1'), meta);
    expect(readVersion(lake)).toBe('v1');
    const m = lake.readMeta(TABLE.prices);
    expect(m).toMatchObject({
      table: 'prices',
      source: 'test',
      synthetic: true,
      rows: 1,
      symbols: ['A', 'B'],
    });
    expect(m?.files).toEqual(['part.parquet']);
    await lake.writeTable(
      TABLE.prices,
      async (dir) => {
        await writer('v2')(dir);
        return { rows: 7 };
      },
      meta,
    );
    expect(readVersion(lake)).toBe('v2');
    expect(lake.readMeta(TABLE.prices)?.rows).toBe(7);
    expect(readdirSync(lake.root)).toEqual(['prices']);
  });

  it('keeps the old version and leaves nothing behind when the writer fails', async () => {
    const lake = freshLake();
    await lake.writeTable(TABLE.prices, writer('v1'), meta);
    await expect(
      lake.writeTable(
        TABLE.prices,
        async (dir) => {
          writeFileSync(join(dir, 'part.parquet'), 'half');
          throw new Error('disk full');
        },
        meta,
      ),
    ).rejects.toThrow('disk full');
    expect(readVersion(lake)).toBe('v1');
    expect(readdirSync(lake.root)).toEqual(['prices']);
  });

  it('survives a process killed between writing and renaming: old table readable, staging cleaned', async () => {
    const lake = freshLake();
    await lake.writeTable(TABLE.prices, writer('v1'), meta);
    const script = join(lake.workdir, 'crash.ts');
    writeFileSync(
      script,
      `import { Lake } from ${JSON.stringify(join(import.meta.dirname, 'lake.ts'))};
const lake = Lake.open(${JSON.stringify(lake.workdir)});
await lake.writeTable('prices', async (dir) => {
  (await import('node:fs')).writeFileSync(dir + '/part.parquet', 'v2');
}, { source: 's', synthetic: false, rows: 2, symbols: [] }, { beforeSwap: () => process.kill(process.pid, 'SIGKILL') });
`,
    );
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    const leftovers = readdirSync(lake.root).filter((e) => e.startsWith('.staging-prices-'));
    expect(leftovers).toHaveLength(1);
    // A reader that does not recover still sees only the complete old version.
    expect(readVersion(lake)).toBe('v1');
    const reopened = Lake.open(lake.workdir);
    expect(readdirSync(reopened.root)).toEqual(['prices']);
    expect(readVersion(reopened)).toBe('v1');
  });

  it('restores a table moved aside by a process that died before renaming the new one in', () => {
    const lake = freshLake();
    const aside = join(lake.root, `.old-breadth-${deadPid()}-abcd`);
    mkdirSync(aside);
    writeFileSync(join(aside, 'part.parquet'), 'old');
    writeFileSync(
      join(aside, '_meta.json'),
      JSON.stringify({ ...meta, table: 'breadth', files: ['part.parquet'] }),
    );
    const reopened = Lake.open(lake.workdir);
    expect(reopened.has(TABLE.breadth)).toBe(true);
    expect(readdirSync(reopened.root)).toEqual(['breadth']);
  });

  it('leaves the staging directories of live processes alone', () => {
    const lake = freshLake();
    const mine = join(lake.root, `.staging-prices-${process.pid}-abcd`);
    mkdirSync(mine);
    const foreign = join(lake.root, `.staging-prices-${deadPid()}-ef01`);
    mkdirSync(foreign);
    const { removed } = lake.recover();
    expect(removed).toEqual([`.staging-prices-${foreign.split('-').at(-2)}-ef01`]);
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(foreign)).toBe(false);
  });
});
