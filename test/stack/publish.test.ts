/**
 * The publish stage against the real Kafka and Elasticsearch (locally built images): lake = topic keys = ES docs,
 * a second identical run changes nothing, a `bf sink run` process SIGKILLed between ES ack and commit or a broker
 * restarted during publish still ends with exactly N documents (and the restart writes no message twice), a mapping rejection names
 * the document and commits nothing, and verify names what is missing.
 * Run: npx vitest run --project stack test/stack/publish.test.ts
 * Its own project name and free host ports, so it never collides with another stack on this machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PublishConfig, publishConfig } from '../../src/config/publish.ts';
import type { BreadthSeriesRow } from '../../src/domain/breadth.ts';
import { SIGNAL_NAMES, type SignalEvent } from '../../src/domain/signal.ts';
import type { StartedStack } from '../../src/infra/stack.ts';
import { esClient } from '../../src/publish/es.ts';
import type { PublishContext } from '../../src/publish/keys.ts';
import { publishSignals } from '../../src/publish/producer.ts';
import { groupLag, runSink } from '../../src/publish/sink.ts';
import { documentIds, topicDistinctKeys, verifyPublished } from '../../src/publish/verify.ts';
import { BfError } from '../../src/util/errors.ts';
import type { Logger } from '../../src/util/log.ts';
import { startEsProxy } from '../support/es-proxy.ts';
import { BF_BIN, runBf } from '../support/run-bf.ts';
import { startTestStack } from '../support/stack.ts';

const lines: string[] = [];
const progress: string[] = [];
const log: Logger = {
  info: (m) => lines.push(m),
  warn: (m) => lines.push(`warning: ${m}`),
  error: (m) => lines.push(`error: ${m}`),
  progress: (m) => progress.push(m),
};

/** `days` trading days from 2015-01-02 (weekdays), a breadth row each, and a firing every few days. */
function fixture(days: number): { events: SignalEvent[]; series: BreadthSeriesRow[] } {
  const series: BreadthSeriesRow[] = [];
  const events: SignalEvent[] = [];
  const d = new Date('2015-01-02T00:00:00Z');
  let adLine = 0;
  for (let i = 0; series.length < days; i++) {
    const dow = d.getUTCDay();
    if (dow !== 0 && dow !== 6) {
      const date = d.toISOString().slice(0, 10);
      const adv = 20 + ((i * 7) % 23);
      const dec = 42 - adv;
      adLine += adv - dec;
      series.push({
        date,
        advancers: adv,
        decliners: dec,
        unchanged: 0,
        issues: 42,
        aboveSma50: adv,
        withSma50: 42,
        aboveSma200: 21,
        withSma200: 42,
        newHighs: i % 5,
        newLows: i % 3,
        ewReturn: (adv - dec) / 1000,
        adRatio: adv / 42,
        zweigEma: 0.4 + (i % 10) / 40,
        adLine,
        mcclellan: ((i % 40) - 20) / 2,
        fracAboveSma50: adv / 42,
        fracAboveSma200: 0.5,
      });
      if (i % 3 === 0) events.push({ date, signal: SIGNAL_NAMES[(i / 3) % 3]!, value: 0.6 + i / 1e4 });
    }
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return { events, series };
}

const context: PublishContext = {
  symbolList: 'stack_test',
  synthetic: true,
  engine: 'duckdb',
  source: 'fixture',
};
let stack: StartedStack | undefined;
let env: NodeJS.ProcessEnv = {};
let seq = 0;

/** Own topics, indices and group per test: tests do not see each other's messages or offsets. */
function cfgFor(tag: string): PublishConfig {
  const t = `${tag}${++seq}`;
  return publishConfig(env, {
    topics: { signals: `bf.signals.${t}`, breadth: `bf.breadth.${t}` },
    indices: { signals: `bf-signals-${t}`, breadth: `bf-breadth-${t}` },
    groupId: `bf-sink-${t}`,
  });
}

async function esCount(cfg: PublishConfig, index: string): Promise<number> {
  const es = esClient(cfg);
  try {
    await es.indices.refresh({ index, ignore_unavailable: true });
    return (await es.count({ index, ignore_unavailable: true })).count;
  } finally {
    await es.close();
  }
}

async function committed(cfg: PublishConfig) {
  const c = new Consumer({
    clientId: 'bf-test',
    groupId: cfg.groupId,
    bootstrapBrokers: [cfg.kafkaBootstrap],
    deserializers: stringDeserializers,
  });
  try {
    return await groupLag(c, [cfg.topics.signals, cfg.topics.breadth]);
  } finally {
    await c.close(true);
  }
}

/** lake, distinct topic keys and ES docs, for signals and for breadth rows. */
async function counts(cfg: PublishConfig) {
  return {
    topicSignals: (await topicDistinctKeys(cfg, cfg.topics.signals, { symbolList: context.symbolList }))
      .distinctKeys,
    esSignals: await esCount(cfg, cfg.indices.signals),
    topicBreadth: (await topicDistinctKeys(cfg, cfg.topics.breadth, { symbolList: context.symbolList }))
      .distinctKeys,
    esBreadth: await esCount(cfg, cfg.indices.breadth),
  };
}

beforeAll(async () => {
  ({ stack, env } = await startTestStack(['kafka', 'elasticsearch'], { logger: log, waitSeconds: 240 }));
});

afterAll(async () => {
  await stack?.down({ volumes: true });
});

describe('publish → Kafka → sink → Elasticsearch', () => {
  const { events, series } = fixture(600);
  const N = events.length;

  it('lake = distinct topic keys = ES docs, and a second identical run changes none of them', async () => {
    const cfg = cfgFor('a');
    const pub = await publishSignals({ events, series, context }, cfg, log);
    expect(pub).toMatchObject({ signals: N, breadth: series.length });
    progress.length = 0;
    const s1 = await runSink(cfg, { untilCaughtUp: true, timeoutMs: 120_000 }, log);
    expect(s1.stoppedBy).toBe('caught-up');
    // Progress counted documents done of the backlog the sink started with (every message of both topics).
    const total = N + series.length;
    const sinkLines = progress.filter((l) => l.startsWith('  … sink: '));
    expect(sinkLines.length).toBeGreaterThan(0);
    expect(sinkLines.at(-1)).toMatch(
      new RegExp(`^ {2}… sink: ${total}/${total} document\\(s\\) indexed or deleted`),
    );
    for (const l of sinkLines) expect(l).toMatch(new RegExp(`: \\d+/${total} document`));
    const first = await counts(cfg);
    expect(first).toEqual({
      topicSignals: N,
      esSignals: N,
      topicBreadth: series.length,
      esBreadth: series.length,
    });
    await expect(verifyPublished(events, cfg, context)).resolves.toMatchObject({ expected: N, documents: N });

    await publishSignals({ events, series, context }, cfg, log);
    const s2 = await runSink(cfg, { untilCaughtUp: true, timeoutMs: 120_000 }, log);
    expect(s2.indexed).toBe(N + series.length); // the second run's messages were indexed (same _ids)…
    expect(await counts(cfg)).toEqual(first); // …and changed no count
    const topic = await topicDistinctKeys(cfg, cfg.topics.signals);
    expect(topic.messages).toBe(2 * N);
    expect(topic.distinctKeys).toBe(N);

    // (e) verify on a missing document names it.
    const gone = `${context.symbolList}:${events[7]!.signal}:${events[7]!.date}`;
    const es = esClient(cfg);
    await es.delete({ index: cfg.indices.signals, id: gone, refresh: true });
    await es.close();
    const err = await verifyPublished(events, cfg, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BfError);
    expect((err as BfError).message).toContain(
      `holds ${N - 1} signal document(s) for stack_test, the lake ${N}`,
    );
    expect((err as BfError).message).toContain(`missing 1: ${gone}`);
  });

  it('bf sink run SIGKILLed after ES acknowledged a bulk request and before its offset commit, then restarted: exactly N documents', async () => {
    // The CLI's own topics, indices and group (this file's stack is its own, so nothing else writes them).
    const cfg = publishConfig(env);
    await publishSignals({ events, series, context }, cfg, log);
    const total = N + series.length;
    let child: ChildProcess | undefined;
    let exited: Promise<NodeJS.Signals | number | null> | undefined;
    // ES sits behind a relay that holds the answer to the third bulk request: ES has indexed the batch and
    // answered; the sink is SIGKILLed before it can see the answer, so before it can commit that batch's offsets.
    const proxy = await startEsProxy({
      target: cfg.esUrl,
      holdBulk: 3,
      onAcknowledged: async () => {
        child!.kill('SIGKILL');
        await exited;
      },
    });
    const stderr: string[] = [];
    try {
      child = spawn(process.execPath, [BF_BIN, 'sink', 'run', '--batch-size', '50'], {
        env: { ...env, BF_ELASTICSEARCH_PORT: String(proxy.port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
      exited = new Promise((resolve) => child!.once('exit', (code, sig) => resolve(sig ?? code)));
      const how = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 120_000))]);
      expect(how, stderr.join('')).toBe('SIGKILL');
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await proxy.close();
    }
    expect(proxy.bulks.map((b) => [b.number, b.status, b.errors])).toEqual([
      [1, 200, false],
      [2, 200, false],
      [3, 200, false],
    ]);
    const acked = proxy.bulks.reduce((n, b) => n + b.operations, 0);
    const held = proxy.bulks[2]!.operations;
    expect(held).toBeGreaterThan(0);
    // ES holds all three acknowledged batches (first write of each key: one document per operation)…
    expect((await esCount(cfg, cfg.indices.signals)) + (await esCount(cfg, cfg.indices.breadth))).toBe(acked);
    // …the group committed the first two only: fresh topics, so the committed offsets sum to the messages covered.
    const lag = await committed(cfg);
    const committedMessages = lag.reduce((n, r) => n + (r.committed > 0n ? Number(r.committed) : 0), 0);
    expect(committedMessages).toBe(acked - held);

    // Off a terminal with no interval, every progress line is printed: done of the backlog left at restart.
    const resumed = await runBf(['sink', 'run', '--until-caught-up', '--batch-size', '50', '--json'], {
      ...(env as Record<string, string>),
      BF_PROGRESS_INTERVAL_MS: '0',
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = JSON.parse(resumed.stdout) as { stoppedBy: string; indexed: number };
    expect(r.stoppedBy).toBe('caught-up');
    expect(r.indexed).toBe(total - committedMessages); // the uncommitted batch was read again, the rest not
    const backlog = total - committedMessages;
    const cliLines = resumed.stderr.split('\n').filter((l) => l.startsWith('  … sink: '));
    expect(cliLines.length, resumed.stderr).toBeGreaterThan(1);
    for (const l of cliLines) expect(l).toMatch(new RegExp(`^ {2}… sink: \\d+/${backlog} document\\(s\\) `));
    expect(cliLines.at(-1)).toMatch(
      new RegExp(`^ {2}… sink: ${backlog}/${backlog} document\\(s\\) indexed or deleted`),
    );
    expect(await counts(cfg)).toEqual({
      topicSignals: N,
      esSignals: N,
      topicBreadth: series.length,
      esBreadth: series.length,
    });
    expect(new Set(await documentIds(cfg, cfg.indices.signals, context.symbolList)).size).toBe(N);
    await verifyPublished(events, cfg, context);
  });

  it('a broker restarted during publish: every message on the topics exactly once, same final counts', async () => {
    const cfg = cfgFor('c');
    const big = fixture(4000);
    let restart: Promise<void> | undefined;
    let brokerWentDown = false;
    let restartedAt = 0;
    const onChunk = async (sent: number) => {
      if (restart || sent < 500) return;
      // Restart the broker and hold this chunk until its container has actually stopped: every later chunk
      // then meets a broker that is down or starting, inside this one publishSignals call.
      restart = stack!.compose.restart(['kafka']).then(() => {
        restartedAt = Date.now();
      });
      const t0 = Date.now();
      while (Date.now() - t0 < 60_000) {
        const kafka = (await stack!.compose.ps()).find((c) => c.service === 'kafka');
        if (kafka?.state !== 'running' || kafka.health === 'starting') {
          brokerWentDown = true;
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const pub = await publishSignals({ ...big, context }, cfg, log, {
      chunkSize: 100,
      retryForMs: 120_000,
      onChunk,
    });
    // The remaining chunks could only be acknowledged once the restarted broker was back.
    const restartDoneBeforePublishEnded = restartedAt > 0;
    await restart;
    expect(brokerWentDown).toBe(true);
    expect(restartDoneBeforePublishEnded).toBe(true);
    expect(pub.signals).toBe(big.events.length);
    // Every message is on the topics exactly once: the end offsets (all partitions, from offset 0) equal what was
    // sent, so the producer's retries across the restart wrote nothing twice.
    expect((await topicDistinctKeys(cfg, cfg.topics.signals)).messages).toBe(big.events.length);
    expect((await topicDistinctKeys(cfg, cfg.topics.breadth)).messages).toBe(big.series.length);
    await runSink(cfg, { untilCaughtUp: true, timeoutMs: 180_000 }, log);
    expect(await counts(cfg)).toEqual({
      topicSignals: big.events.length,
      esSignals: big.events.length,
      topicBreadth: big.series.length,
      esBreadth: big.series.length,
    });
    await verifyPublished(big.events, cfg, context);
  });

  it('Elasticsearch restarted mid-sink: the sink waits for it, re-sends the batch, ends with exactly N documents', async () => {
    const cfg = cfgFor('e');
    const big = fixture(20_000);
    await publishSignals({ ...big, context }, cfg, log);
    const total = big.events.length + big.series.length;
    lines.length = 0;
    const sink = runSink(cfg, { untilCaughtUp: true, batchSize: 20, timeoutMs: 400_000 }, log);
    let sinkDone = false;
    void sink.then(
      () => (sinkDone = true),
      () => (sinkDone = true),
    );
    // Restart once the sink has written its first documents, while most of the backlog is still unread.
    let countAtRestart = 0;
    for (;;) {
      countAtRestart = await esCount(cfg, cfg.indices.breadth).catch(() => 0);
      if (countAtRestart > 0 || sinkDone) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Stopped, then started only once the sink has met the outage: a restart alone can be shorter than the ES
    // client's own retries (3, with backoff), and the sink would never see ES go (measured on an idle machine).
    await stack!.compose.stop(['elasticsearch']);
    const seenDownBy = Date.now() + 120_000;
    while (
      !/elasticsearch at \S+ unavailable/.test(lines.join('\n')) &&
      !sinkDone &&
      Date.now() < seenDownBy
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await stack!.compose.up(['elasticsearch']);
    const r = await sink;
    expect(countAtRestart).toBeGreaterThan(0);
    expect(countAtRestart).toBeLessThan(big.series.length);
    expect(r.stoppedBy).toBe('caught-up');
    // The fault hit the sink mid-way: it saw ES go and come back.
    expect(lines.join('\n')).toMatch(
      /warning: elasticsearch at \S+ unavailable \(.*\); re-sending the batch/,
    );
    expect(lines.join('\n')).toMatch(/elasticsearch at \S+ answers again after/);
    expect(r.indexed).toBeGreaterThanOrEqual(total);
    expect(await counts(cfg)).toEqual({
      topicSignals: big.events.length,
      esSignals: big.events.length,
      topicBreadth: big.series.length,
      esBreadth: big.series.length,
    });
    await verifyPublished(big.events, cfg, context);
  });

  it('an ES mapping rejection names the index, the document and the reason, and commits no offset', async () => {
    const cfg = cfgFor('d');
    // A throwaway index whose `value` is an integer that refuses coercion: the fractional values are rejected.
    const es = esClient(cfg);
    await es.indices.create({
      index: cfg.indices.signals,
      mappings: { properties: { value: { type: 'integer', coerce: false } } },
    });
    await es.close();
    await publishSignals({ events: events.slice(0, 10), series: [], context }, cfg, log);
    const err = await runSink(cfg, { untilCaughtUp: true, timeoutMs: 60_000 }, log).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BfError);
    expect((err as BfError).message).toMatch(
      new RegExp(
        `^sink: elasticsearch rejected document stack_test:[a-z_]+:\\d{4}-\\d{2}-\\d{2} in index ${cfg.indices.signals}: document_parsing_exception: .*\\[value\\]`,
      ),
    );
    expect((err as BfError).hint).toContain('NOT committed');
    expect((await committed(cfg)).every((r) => r.committed === -1n)).toBe(true);
  });

  it('a failing standalone bf sink run names elasticsearch and shows its last log lines', async () => {
    // The CLI's own topics and indices; a closed index refuses every bulk item (index_closed_exception, HTTP 400).
    const cfg = publishConfig(env);
    await publishSignals(
      { events: events.slice(0, 5), series: [], context: { ...context, symbolList: 'sink_cli' } },
      cfg,
      log,
    );
    const es = esClient(cfg);
    await es.indices.create({ index: cfg.indices.signals }).catch(() => {});
    await es.indices.close({ index: cfg.indices.signals });
    try {
      const r = await runBf(
        ['sink', 'run', '--until-caught-up', '--timeout', '60', '--project', stack!.project, '--local'],
        env as Record<string, string>,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: sink: elasticsearch rejected document .*index_closed_exception/m);
      const tail = /^--- elasticsearch: last (\d+) log lines ---$/m.exec(r.stderr);
      expect(Number(tail?.[1])).toBeGreaterThan(0);
      expect(r.stderr.slice(tail!.index).split('\n').length).toBeGreaterThan(Number(tail![1]));
    } finally {
      await es.indices.open({ index: cfg.indices.signals });
      await es.close();
    }
  });
});
