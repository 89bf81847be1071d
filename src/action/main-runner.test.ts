import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeOutputSet } from '../../test/support/output-set.ts';
import type { PipelineOptions, PipelineResult } from '../pipeline/types.ts';
import { BfError } from '../util/errors.ts';
import type { ArtifactRequest } from './artifact-upload.ts';
import { type MainDeps, runMain, serviceOf } from './main-runner.ts';
import { type FakeCore, fakeCore } from './testing/fake-core.ts';

// Orchestration only: every collaborator is a recording fake. The real stack run is test/stack/action.test.ts.
function result(outDir: string, events: number): PipelineResult {
  return {
    symbolList: { name: 'demo_small', symbols: ['AAA', 'BBB'] },
    range: { start: '2024-01-01', end: '2024-12-31' },
    source: 'sample',
    synthetic: true,
    engine: 'spark',
    bars: 500,
    failures: [],
    skipped: [],
    breadthDays: 250,
    series: [],
    events: Array.from({ length: events }, (_, i) => ({
      date: `2024-01-${String(i + 1).padStart(2, '0')}`,
      signal: 'zweig_breadth_thrust' as const,
      value: 0.62,
    })),
    backtests: [],
    outputs: { 'report.html': path.join(outDir, 'report.html') },
    timings: [],
  };
}

describe('runMain', () => {
  let temp: string;
  let core: FakeCore;
  let calls: string[];
  let uploads: ArtifactRequest[];
  let pipelineOpts: PipelineOptions | undefined;

  const deps = (over: Partial<MainDeps> = {}): MainDeps => {
    let t = 0;
    return {
      core,
      env: {
        RUNNER_TEMP: temp,
        GITHUB_WORKSPACE: temp,
        GITHUB_RUN_ID: '42',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_JOB: 'e2e',
      },
      actionRoot: '/action',
      now: () => (t += 1000),
      preflight: async () => {
        calls.push('preflight');
      },
      pullImages: async (req) => {
        calls.push(`pull:kibana=${req.kibana}`);
        return [
          {
            service: 'kafka',
            image: 'apache/kafka:4.1.1',
            outcome: 'pulled',
            seconds: 12.5,
            sizeBytes: 400 * 1024 ** 2,
            attempts: 2,
          },
          {
            service: 's3',
            image: 'bf-local/seaweedfs:4.53-1',
            outcome: 'present',
            seconds: 0,
            sizeBytes: 90 * 1024 ** 2,
            attempts: 0,
          },
        ];
      },
      startStack: async (req) => {
        calls.push(`startStack:${req.project}:${req.waitTimeoutMs}`);
      },
      runPipeline: async (opts) => {
        pipelineOpts = opts;
        await writeOutputSet(opts.outDir!, {
          'report.html': '<html></html>',
          'signals.csv': 'date,signal,value\n',
        });
        return result(opts.outDir!, 3);
      },
      countEsDocuments: undefined,
      uploadArtifact: async (req) => {
        uploads.push(req);
        return { id: 7, size: 10, digest: 'abc', files: req.files.map((f) => path.basename(f)) };
      },
      ...over,
    };
  };

  beforeEach(async () => {
    temp = await mkdtemp(path.join(tmpdir(), 'bf-main-'));
    core = fakeCore({ 'wait-timeout': '120', 'min-signals': '1', 'artifact-name': 'rep' });
    calls = [];
    uploads = [];
    pipelineOpts = undefined;
  });
  afterEach(() => rm(temp, { recursive: true, force: true }));

  it('saves state before starting anything, then runs stages, sets outputs and writes the summary once', async () => {
    const out = await runMain(deps());
    expect(out.ok).toBe(true);
    expect(core.failed).toEqual([]);
    const firstGroup = core.calls.findIndex((c) => c.startsWith('group:bf: preflight'));
    expect(core.calls.indexOf('saveState:project')).toBeLessThan(firstGroup);
    expect(core.state.get('project')).toBe('bf-42-1-e2e');
    expect(JSON.parse(core.state.get('compose-files')!)).toEqual(['/action/infra/docker-compose.yml']);
    expect(calls).toEqual(['preflight', 'pull:kibana=false', 'startStack:bf-42-1-e2e:120000']);
    expect(pipelineOpts).toMatchObject({ symbolList: 'demo_small', source: 'sample', engine: 'spark' });
    // The run's manifest is the list: its files, then manifest.json itself.
    expect(uploads[0]?.files.map((f) => path.basename(f))).toEqual([
      'report.html',
      'signals.csv',
      'manifest.json',
    ]);
    expect(Object.fromEntries(core.outputs)).toMatchObject({
      'signals-count': '3',
      'es-documents': '',
      'artifact-id': '7',
      'report-path': path.join(temp, 'bf-42-1-e2e', 'report', 'report.html'),
    });
    expect(Number(core.outputs.get('duration-seconds'))).toBeGreaterThan(0);
    expect(core.calls.filter((c) => c === 'summary.write')).toHaveLength(1);
    expect(core.summaries[0]).toContain('| preflight |');
    expect(core.summaries[0]).toContain(
      "holds the run's output set as its manifest.json lists it (each file's SHA-256 checked before upload): `report.html`, `signals.csv`, `manifest.json`.",
    );
    // The pull is a stage of its own, with each image's time and size.
    expect(core.summaries[0]).toContain('| pull |');
    expect(core.summaries[0]).toContain('| kafka | `apache/kafka:4.1.1` | 12.5 s (2 attempts) | 400 MiB |');
    expect(core.summaries[0]).toContain(
      '| s3 | `bf-local/seaweedfs:4.53-1` | present (not pulled) | 90 MiB |',
    );
    expect(core.summaries[0]).toContain('Not run: the pipeline has no Elasticsearch publish stage yet');
    expect(core.state.get('main-succeeded')).toBe('true');
    expect(core.state.get('artifact-uploaded')).toBe('true');
  });

  it('runs on with the symbols that have data, names the skipped ones in the summary, fails below min-symbols', async () => {
    // The real pipeline on the embedded engine over CSV files, one of them missing; only Kafka/ES publishing is
    // left out (it needs the stack: test/stack/action.test.ts).
    const { runPipeline } = await import('../pipeline/run.ts');
    const { createSampleSource } = await import('../sources/sample.ts');
    const { silentLogger } = await import('../util/log.ts');
    const csvDir = path.join(temp, 'prices');
    await mkdir(csvDir);
    const { bars } = await createSampleSource().fetch(
      ['AAA', 'BBB'],
      { start: '2023-01-02', end: '2023-12-29' },
      silentLogger,
    );
    for (const s of ['AAA', 'BBB']) {
      const rows = bars.filter((b) => b.symbol === s);
      const body = rows.map((b) => [b.date, b.open, b.high, b.low, b.close, b.adjClose, b.volume].join(','));
      await writeFile(
        path.join(csvDir, `${s}.csv`),
        `Date,Open,High,Low,Close,Adj Close,Volume\n${body.join('\n')}\n`,
      );
    }
    await writeFile(path.join(temp, 'list.txt'), 'AAA\nBBB\nGONE\n');
    const real: MainDeps['runPipeline'] = (opts) => runPipeline({ ...opts, publish: false });
    const inputs = { 'symbol-list': path.join(temp, 'list.txt'), source: `csv:${csvDir}`, engine: 'duckdb' };

    core = fakeCore(inputs);
    const ok = await runMain(deps({ runPipeline: real }));
    expect(core.failed).toEqual([]);
    expect(ok.result?.skipped).toEqual([{ symbol: 'GONE', reason: `file not found: ${csvDir}/GONE.csv` }]);
    expect(core.summaries[0]).toContain('### Skipped symbols (1)');
    expect(core.summaries[0]).toContain(`| GONE | file not found: ${csvDir}/GONE.csv |`);
    expect(core.annotations.some((a) => a.level === 'warning' && a.message.includes('GONE'))).toBe(true);

    core = fakeCore({ ...inputs, 'min-symbols': '3' });
    const below = await runMain(deps({ runPipeline: real }));
    expect(below.ok).toBe(false);
    expect(core.failed[0]).toMatch(
      /stage pipeline: only 2 of 3 symbols of list have prices, fewer than the 3 required/,
    );
    expect(core.failed[0]).toContain('GONE (file not found');
  });

  it('masks the S3 credentials', async () => {
    core = fakeCore();
    await runMain({ ...deps(), env: { ...deps().env, MINIO_ROOT_PASSWORD: 's3cret-value' } });
    expect(core.secrets).toContain('s3cret-value');
  });

  it('fails naming the stage and the service, writes the summary once, and leaves main-succeeded unset', async () => {
    const notReady = Object.assign(new BfError('stack bf-42 not ready after 120.0 s: elasticsearch (red)'), {
      diagnoses: [{ service: 'elasticsearch' }],
    });
    const out = await runMain(
      deps({
        startStack: async () => {
          throw notReady;
        },
      }),
    );
    expect(out.ok).toBe(false);
    expect(core.failed).toHaveLength(1);
    expect(core.failed[0]).toMatch(/stage stack \(elasticsearch\): stack bf-42 not ready/);
    expect(core.annotations).toContainEqual(
      expect.objectContaining({ level: 'error', title: 'bf stack failed (elasticsearch)' }),
    );
    expect(core.calls.filter((c) => c === 'summary.write')).toHaveLength(1);
    expect(core.summaries[0]).toContain('**Failed:** stack (elasticsearch)');
    expect(core.state.has('project')).toBe(true);
    expect(core.state.has('main-succeeded')).toBe(false);
    expect(uploads).toEqual([]);
  });

  it('fails the assert stage when fewer signals fired than min-signals', async () => {
    core = fakeCore({ 'min-signals': '5' });
    const out = await runMain(deps());
    expect(out.ok).toBe(false);
    expect(core.failed[0]).toMatch(/stage assert: signals: 3 fired, fewer than min-signals 5/);
  });

  it('fails the assert stage when Elasticsearch and the lake disagree', async () => {
    const out = await runMain(
      deps({ countEsDocuments: async () => ({ documents: 2, lakeSignals: 3, index: 'bf-signals' }) }),
    );
    expect(out.ok).toBe(false);
    expect(core.failed[0]).toMatch(/stage assert.*bf-signals holds 2 signal documents, the lake 3/);
  });

  it('uploads nothing when a file of the set no longer matches its manifest: the upload stage fails naming it', async () => {
    const out = await runMain(
      deps({
        runPipeline: async (opts) => {
          await writeOutputSet(opts.outDir!, {
            'report.html': '<html></html>',
            'signals.csv': 'date,signal,value\n',
          });
          await writeFile(path.join(opts.outDir!, 'signals.csv'), 'date,signal,value\n2024-01-02,x,1\n');
          return result(opts.outDir!, 3);
        },
      }),
    );
    expect(out.ok).toBe(false);
    expect(uploads).toEqual([]);
    expect(core.failed[0]).toMatch(
      /stage upload: output set \S+: signals\.csv has SHA-256 [0-9a-f]{64} \(33 bytes\), manifest\.json of run run-1 records [0-9a-f]{64} \(18 bytes\)/,
    );
  });

  it('reports the es-documents output when the count matches', async () => {
    const out = await runMain(
      deps({ countEsDocuments: async () => ({ documents: 3, lakeSignals: 3, index: 'bf-signals' }) }),
    );
    expect(out.ok).toBe(true);
    expect(core.outputs.get('es-documents')).toBe('3');
  });

  it('rejects a bad input before saving any state', async () => {
    core = fakeCore({ engine: 'flink' });
    const out = await runMain(deps());
    expect(out.ok).toBe(false);
    expect(core.failed[0]).toMatch(/stage inputs: Input 'engine' is invalid/);
    expect(core.state.size).toBe(0);
    expect(calls).toEqual([]);
  });

  it.each([
    [
      'a symbol-list file missing from working-directory',
      { 'symbol-list': 'lists/mine.txt' },
      /symbol list file not found: .*lists\/mine\.txt/,
    ],
    ['a symbol-list with a malformed symbol', { 'symbol-list': 'bad.txt' }, /bad\.txt line 2: "MS FT"/],
    [
      'a working-directory that does not exist',
      { 'working-directory': 'gone' },
      /Input 'working-directory' is invalid/,
    ],
    ['csv:DIR missing under working-directory', { source: 'csv:prices' }, /Input 'source' is invalid/],
  ])('rejects %s in the inputs stage, before any state or container', async (_name, inputs, message) => {
    await writeFile(path.join(temp, 'bad.txt'), 'AAPL\nMS FT\n');
    core = fakeCore(inputs);
    const out = await runMain(deps());
    expect(out.ok).toBe(false);
    expect(core.failed[0]).toMatch(/^bf failed in stage inputs: /);
    expect(core.failed[0]).toMatch(message);
    expect(core.state.size).toBe(0);
    expect(calls).toEqual([]);
  });
});

describe('serviceOf', () => {
  it('names the service an error message is about, s3-console apart from s3', () => {
    expect(serviceOf(new Error('S3 console at http://127.0.0.1:9001: s3-console login refused'))).toBe(
      's3-console',
    );
    expect(serviceOf(new Error('bucket check failed on s3'))).toBe('s3');
    expect(serviceOf(new Error('nothing known'))).toBeUndefined();
  });
});
