import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../util/errors.ts';
import { checkSymbolListInput, INPUT_NAMES, readInputs } from './inputs.ts';

// A real workspace: working-directory, symbol-list and csv:DIR are checked against the file system.
const workspace = mkdtempSync(path.join(tmpdir(), 'bf-inputs-'));
mkdirSync(path.join(workspace, 'sub', 'data', 'bars'), { recursive: true });
writeFileSync(path.join(workspace, 'sub', 'mine.txt'), 'AAPL\nMSFT\n');
writeFileSync(path.join(workspace, 'sub', 'bad.txt'), 'AAPL\nMS FT\n');
const ctx = { actionRoot: '/opt/bf-action', workspace };
const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

function errorOf(values: Record<string, string>): UsageError {
  try {
    readInputs(reader(values), ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected readInputs to throw');
}

describe('readInputs', () => {
  it('fills defaults when every input is empty', () => {
    const cfg = readInputs(reader({}), ctx);
    expect(cfg).toEqual({
      symbolList: 'demo_small',
      source: 'sample',
      engine: 'spark',
      waitTimeoutSeconds: 600,
      composeFiles: ['/opt/bf-action/infra/docker-compose.yml'],
      services: [],
      imageEnv: {},
      keepUp: false,
      kibana: false,
      kibanaRequired: false,
      artifactName: 'bf-report',
      retentionDays: undefined,
      minSignals: 0,
      minSymbols: 1,
      workingDirectory: workspace,
    });
  });

  it('parses every input and resolves paths against working-directory', () => {
    const cfg = readInputs(
      reader({
        'symbol-list': 'mine.txt',
        source: 'csv:data/bars',
        engine: 'duckdb',
        'wait-timeout': '90.5',
        'compose-file': 'stack.yml, stack.ci.yml',
        services: 'kafka elasticsearch\ns3',
        images: 'kafka=apache/kafka:4.1.1, spark=example/spark:4.0.1',
        'keep-up': 'true',
        'artifact-name': 'nightly-report',
        'min-signals': '3',
        'min-symbols': '400',
        'working-directory': 'sub',
      }),
      ctx,
    );
    expect(cfg.engine).toBe('duckdb');
    expect(cfg.waitTimeoutSeconds).toBe(90.5);
    expect(cfg.composeFiles).toEqual([
      path.join(workspace, 'sub', 'stack.yml'),
      path.join(workspace, 'sub', 'stack.ci.yml'),
    ]);
    expect(cfg.services).toEqual(['kafka', 'elasticsearch', 's3']);
    expect(cfg.imageEnv).toEqual({
      BF_KAFKA_IMAGE: 'apache/kafka:4.1.1',
      // Every Spark service runs one image, named by one variable in the compose file.
      BF_SPARK_IMAGE: 'example/spark:4.0.1',
    });
    expect(cfg.keepUp).toBe(true);
    expect(cfg.minSignals).toBe(3);
    expect(cfg.minSymbols).toBe(400);
    // Both relative paths resolve against working-directory, as action.yml says.
    expect(cfg.source).toBe(`csv:${path.join(workspace, 'sub', 'data', 'bars')}`);
    expect(cfg.symbolList).toBe(path.join(workspace, 'sub', 'mine.txt'));
  });

  it('keeps a built-in list name a name', () => {
    expect(
      readInputs(reader({ 'symbol-list': 'demo_large', 'working-directory': 'sub' }), ctx).symbolList,
    ).toBe('demo_large');
  });

  it('rejects a working-directory that does not exist, naming the input and the path', () => {
    const err = errorOf({ 'working-directory': 'nope' });
    expect(err.message).toBe("Input 'working-directory' is invalid: got 'nope'");
    expect(err.hint).toContain(`${path.join(workspace, 'nope')} is not an existing directory`);
    expect(err.exitCode).toBe(2);
  });

  it.each([['..'], ['../elsewhere'], ['/etc']])(
    'rejects working-directory %s outside the workspace',
    (wd) => {
      const err = errorOf({ 'working-directory': wd });
      expect(err.message).toContain("'working-directory'");
      expect(err.hint).toContain('inside the workspace');
    },
  );

  it('rejects a working-directory that leaves the workspace through a symlink', () => {
    symlinkSync(tmpdir(), path.join(workspace, 'escape'));
    const err = errorOf({ 'working-directory': 'escape' });
    expect(err.hint).toContain('outside the workspace');
  });

  it('rejects csv:DIR that is not a directory under working-directory', () => {
    const err = errorOf({ source: 'csv:data/bars', 'working-directory': '.' });
    expect(err.message).toContain("'source'");
    expect(err.hint).toContain(`${path.join(workspace, 'data', 'bars')} is not a directory`);
  });

  it('checks the symbol list file before anything starts, naming the input, the symbol and its line', async () => {
    const bad = readInputs(reader({ 'symbol-list': 'bad.txt', 'working-directory': 'sub' }), ctx);
    const err = await checkSymbolListInput(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/^Input 'symbol-list' is invalid: .*MS FT/);
    expect((err as UsageError).message).toMatch(/line 2/);
    const missing = readInputs(reader({ 'symbol-list': 'lists/none.txt' }), ctx);
    await expect(checkSymbolListInput(missing)).rejects.toThrow(
      `Input 'symbol-list' is invalid: symbol list file not found: ${path.join(workspace, 'lists', 'none.txt')}`,
    );
    await expect(checkSymbolListInput({ symbolList: 'no_such_list' })).rejects.toThrow(/unknown symbol list/);
  });

  it.each([
    ['-5', 'negative'],
    ['abc', 'NaN'],
    ['0', 'zero'],
    ['Infinity', 'infinite'],
  ])('rejects wait-timeout %s (%s), naming the input', (value) => {
    const err = errorOf({ [INPUT_NAMES.waitTimeout]: value });
    expect(err.message).toContain("'wait-timeout'");
    expect(err.message).toContain(value);
    expect(err.hint).toMatch(/positive number of seconds/);
    expect(err.exitCode).toBe(2);
  });

  it('takes engine: embedded as the embedded engine, duckdb', () => {
    expect(readInputs(reader({ engine: 'embedded' }), ctx).engine).toBe('duckdb');
  });

  it('rejects an unknown engine and lists the allowed ones', () => {
    const err = errorOf({ engine: 'flink' });
    expect(err.message).toContain("'engine'");
    expect(err.hint).toContain('duckdb, spark');
  });

  it.each([
    ['kafka', 'SERVICE=IMAGE'],
    ['kafka=', 'SERVICE=IMAGE'],
    ['=apache/kafka:4', 'SERVICE=IMAGE'],
    ['zookeeper=zk:3', "unknown service 'zookeeper'"],
    ['spark-worker=my/spark:4', 'use spark=IMAGE'],
  ])('rejects images spec %s', (value, hint) => {
    const err = errorOf({ images: value });
    expect(err.message).toContain("'images'");
    expect(err.hint).toContain(hint);
  });

  it('rejects a bad source, keep-up, min-signals and artifact-name', () => {
    expect(errorOf({ source: 'bloomberg' }).message).toContain("'source'");
    expect(errorOf({ source: 'csv:' }).message).toContain("'source'");
    expect(errorOf({ 'keep-up': 'yes' }).message).toContain("'keep-up'");
    expect(errorOf({ 'min-signals': '-1' }).message).toContain("'min-signals'");
    expect(errorOf({ 'min-signals': '1.5' }).message).toContain("'min-signals'");
    expect(errorOf({ 'min-symbols': '0' }).message).toContain("'min-symbols'");
    expect(errorOf({ 'min-symbols': 'all' }).message).toContain("'min-symbols'");
    expect(errorOf({ 'artifact-name': 'a/b' }).message).toContain("'artifact-name'");
    expect(errorOf({ 'retention-days': '91' }).message).toContain("'retention-days'");
  });

  it('kibana is off by default; kibana-required needs kibana', () => {
    expect(readInputs(reader({ kibana: 'true' }), ctx)).toMatchObject({
      kibana: true,
      kibanaRequired: false,
    });
    expect(readInputs(reader({ kibana: 'true', 'kibana-required': 'true' }), ctx)).toMatchObject({
      kibana: true,
      kibanaRequired: true,
    });
    expect(errorOf({ kibana: 'maybe' }).message).toContain("'kibana'");
    const err = errorOf({ 'kibana-required': 'true' });
    expect(err.message).toContain("'kibana-required'");
    expect(err.hint).toContain("set kibana: 'true'");
  });
});
