import { describe, expect, it } from 'vitest';
import { formatSparkProgress, parseActiveStages, parseApplicationId, parseRunningJobs } from './progress.ts';

// Shapes as the Spark 4.0.1 Thrift server's driver serves them on /api/v1 (fields trimmed to a representative set).
const applications = [
  {
    id: 'app-20261201181200-0000',
    name: 'bf-sql',
    attempts: [{ startTime: '2026-12-01T18:12:00.000GMT', completed: false, sparkUser: 'spark' }],
  },
];
const jobs = [
  {
    jobId: 14,
    name: 'run at AccessController.java:0',
    description: 'CREATE OR REPLACE TABLE delta.`s3a://bf-lake/breadth` USING delta AS …',
    submissionTime: '2026-12-01T18:13:04.120GMT',
    stageIds: [21, 22, 23],
    jobGroup: '6f1c…',
    jobTags: [],
    status: 'RUNNING',
    numTasks: 12,
    numActiveTasks: 2,
    numCompletedTasks: 5,
    numSkippedTasks: 4,
    numFailedTasks: 0,
    numKilledTasks: 0,
    numCompletedIndices: 5,
    numActiveStages: 1,
    numCompletedStages: 1,
    numSkippedStages: 1,
    numFailedStages: 0,
    killedTasksSummary: {},
  },
  {
    jobId: 13,
    name: 'run at AccessController.java:0',
    stageIds: [20],
    status: 'SUCCEEDED',
    numTasks: 4,
    numActiveTasks: 0,
    numCompletedTasks: 4,
    numCompletedStages: 1,
    numSkippedStages: 0,
  },
];
const stages = [
  {
    status: 'ACTIVE',
    stageId: 23,
    attemptId: 0,
    numTasks: 4,
    numActiveTasks: 2,
    numCompleteTasks: 1,
    numFailedTasks: 0,
    numKilledTasks: 0,
    numCompletedIndices: 1,
    name: 'run at AccessController.java:0',
    description: 'CREATE OR REPLACE TABLE …',
    schedulingPool: 'default',
    rddIds: [77, 76],
    accumulatorUpdates: [],
    killedTasksSummary: {},
    resourceProfileId: 0,
  },
  {
    status: 'COMPLETE',
    stageId: 21,
    attemptId: 0,
    numTasks: 4,
    numActiveTasks: 0,
    numCompleteTasks: 4,
    name: 'x',
  },
];

describe('Spark progress from the driver REST API', () => {
  it('takes the application id, running jobs and active stages; ignores finished ones and junk', () => {
    expect(parseApplicationId(applications)).toBe('app-20261201181200-0000');
    expect(parseApplicationId([])).toBeUndefined();
    expect(parseApplicationId({ error: 'no' })).toBeUndefined();

    expect(parseRunningJobs([...jobs, null, 'x', { jobId: 'nope', status: 'RUNNING' }])).toEqual([
      {
        jobId: 14,
        numTasks: 12,
        numCompletedTasks: 5,
        numActiveTasks: 2,
        numStages: 3,
        numCompletedStages: 2,
      },
    ]);
    expect(parseActiveStages(stages)).toEqual([
      {
        stageId: 23,
        attemptId: 0,
        name: 'run at AccessController.java:0',
        numTasks: 4,
        numCompleteTasks: 1,
        numActiveTasks: 2,
      },
    ]);
    expect(parseRunningJobs({ message: 'not found' })).toEqual([]);
    expect(parseActiveStages(undefined)).toEqual([]);
  });

  it('formats jobs with stages and tasks done of total, then each active stage; nothing running is no line', () => {
    const snap = { jobs: parseRunningJobs(jobs), stages: parseActiveStages(stages) };
    expect(formatSparkProgress('bf-signals-ab12: breadth', snap)).toBe(
      '  … spark bf-signals-ab12: breadth: job 14 (2/3 stages, 5/12 tasks) · stage 23 run 1/4 tasks, 2 running',
    );
    const retried = {
      jobs: [],
      stages: [{ stageId: 9, attemptId: 1, name: '', numTasks: 8, numCompleteTasks: 8, numActiveTasks: 0 }],
    };
    expect(formatSparkProgress('x', retried)).toBe('  … spark x: stage 9 (attempt 2) 8/8 tasks');
    const generated = {
      jobs: [],
      stages: [
        {
          ...retried.stages[0]!,
          attemptId: 0,
          name: '$anonfun$recordDeltaOperationInternal$1 at DatabricksLogging.scala:128',
        },
      ],
    };
    expect(formatSparkProgress('x', generated)).toBe('  … spark x: stage 9 8/8 tasks');
    expect(formatSparkProgress('x', { jobs: [], stages: [] })).toBeUndefined();
  });
});

describe('watchSparkProgress (an HTTP peer serving /api/v1 as the driver does)', () => {
  it('reports each changed snapshot, stays silent while the UI fails, and finds the new application after it', async () => {
    const { createServer } = await import('node:http');
    let app = 'app-1';
    let failing = false;
    let done = 1;
    const seenPaths: string[] = [];
    const server = createServer((req, res) => {
      seenPaths.push(req.url ?? '');
      const send = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (failing) return res.writeHead(503).end();
      if (req.url === '/api/v1/applications') return send([{ id: app, name: 'bf-sql' }]);
      if (req.url === `/api/v1/applications/${app}/jobs?status=running`)
        return send([{ ...jobs[0], numCompletedTasks: done }]);
      if (req.url === `/api/v1/applications/${app}/stages?status=active`) return send(stages);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const { watchSparkProgress } = await import('./progress.ts');
    const seen: number[] = [];
    const watcher = watchSparkProgress({
      baseUrl: `http://127.0.0.1:${port}/`,
      intervalMs: 20,
      onProgress: (s) => seen.push(s.jobs[0]!.numCompletedTasks),
    });
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await until(() => seen.length >= 1);
      await new Promise((r) => setTimeout(r, 100)); // unchanged: not reported again
      expect(seen).toEqual([1]);
      failing = true;
      await new Promise((r) => setTimeout(r, 100));
      app = 'app-2'; // the driver restarted: a new application
      done = 7;
      failing = false;
      await until(() => seen.length >= 2);
      expect(seen).toEqual([1, 7]);
      expect(seenPaths).toContain('/api/v1/applications/app-2/jobs?status=running');
    } finally {
      await watcher.stop();
      server.close();
    }
    const after = seen.length;
    done = 9;
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.length).toBe(after); // stopped: no more polls reported
  });
});
