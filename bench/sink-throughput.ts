/**
 * Sink throughput (docs/s, Kafka → Elasticsearch, `runSink` until caught up) as a ratio to raw `_bulk` from one
 * client on the same ES in the same run (goal >= 0.7).
 *
 * Both sides index the same documents, in batches of the same size, into fresh indices made from the same
 * template; both pass the JSON through as strings. The sink's time is runSink's wall time end to end: template
 * PUT, group join, fetch, bulk, offset commits, and the check that the group caught up. Messages are published
 * before the clock starts (the producer is not measured here).
 *
 * Run: node bench/sink-throughput.ts [--docs 200000] [--batch 2000] [--rounds 2]
 * Starts its own kafka + elasticsearch (local images, own project and ports) and removes them at the end.
 */
import { type PublishConfig, publishConfig } from '../src/config/publish.ts';
import type { BreadthSeriesRow } from '../src/domain/breadth.ts';
import { startStack } from '../src/infra/stack.ts';
import { applyIndexTemplates, esClient } from '../src/publish/es.ts';
import { breadthDoc } from '../src/publish/keys.ts';
import { publishSignals } from '../src/publish/producer.ts';
import { runSink } from '../src/publish/sink.ts';
import { silentLogger } from '../src/util/log.ts';
import { freePort } from '../src/util/net.ts';
import { breadthBacklog } from './support/breadth-backlog.ts';

const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(name);
  const n = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
};
const DOCS = arg('--docs', 200_000);
const BATCH = arg('--batch', 2000);
const ROUNDS = arg('--rounds', 2);
const LISTS = 50;

/** DOCS breadth rows: LISTS lists × days, so every (list, date) key is distinct. */
function rows(): { list: string; row: BreadthSeriesRow }[] {
  return breadthBacklog({
    prefix: 'bench_',
    lists: LISTS,
    days: Math.ceil(DOCS / LISTS),
    start: '2000-01-03',
    total: DOCS,
  }).flatMap(({ list, series }) => series.map((row) => ({ list, row })));
}

async function rawBulk(
  cfg: PublishConfig,
  index: string,
  docs: { id: string; json: string }[],
): Promise<number> {
  const es = esClient(cfg);
  try {
    await applyIndexTemplates(es, cfg);
    const t0 = performance.now();
    for (let i = 0; i < docs.length; i += BATCH) {
      const operations: (string | object)[] = [];
      for (const d of docs.slice(i, i + BATCH))
        operations.push({ index: { _index: index, _id: d.id } }, d.json);
      const res = await es.bulk({ operations });
      if (res.errors) throw new Error(`raw bulk: item errors in ${index}`);
    }
    const ms = performance.now() - t0;
    await es.indices.refresh({ index });
    const { count } = await es.count({ index });
    if (count !== docs.length)
      throw new Error(`raw bulk: ${count} docs in ${index}, expected ${docs.length}`);
    return ms;
  } finally {
    await es.close();
  }
}

async function main(): Promise<void> {
  const env = {
    ...process.env,
    BF_KAFKA_PORT: String(await freePort()),
    BF_ELASTICSEARCH_PORT: String(await freePort()),
  };
  const stack = await startStack({
    local: true,
    uniqueProject: true,
    services: ['kafka', 'elasticsearch'],
    env,
  });
  try {
    const data = rows();
    const docs = data.map(({ list, row }) => ({
      id: `${list}:${row.date}`,
      json: JSON.stringify(breadthDoc(row, { symbolList: list, synthetic: true, engine: 'bench' })),
    }));
    const bytes = docs.reduce((s, d) => s + d.json.length, 0);
    process.stdout.write(
      `docs ${docs.length} (${(bytes / docs.length).toFixed(0)} B each), batch ${BATCH}, ${ROUNDS} round(s), stack ${stack.project}\n`,
    );
    // Warm-up (not counted): a cold cluster indexes several times slower for its first tens of thousands of docs.
    await rawBulk(publishConfig(env), 'bf-breadth-warmup', docs.slice(0, Math.min(docs.length, 50_000)));
    const results: { round: number; rawDps: number; sinkDps: number }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const cfg = publishConfig(env, {
        topics: { signals: `bench.signals.${round}`, breadth: `bench.breadth.${round}` },
        indices: { signals: `bf-signals-bench-${round}`, breadth: `bf-breadth-sink-${round}` },
        groupId: `bench-sink-${round}`,
      });
      // Publish per list (each list's keys are scoped by its name), before any clock starts.
      const byList = new Map<string, BreadthSeriesRow[]>();
      for (const { list, row } of data) {
        const xs = byList.get(list) ?? [];
        xs.push(row);
        byList.set(list, xs);
      }
      for (const [list, series] of byList) {
        await publishSignals(
          { events: [], series, context: { symbolList: list, synthetic: true, engine: 'bench' } },
          cfg,
          silentLogger,
          { chunkSize: 2000 },
        );
      }

      // Alternate which side goes first, so neither always gets the warmer cluster.
      const raw = () => rawBulk(cfg, `bf-breadth-raw-${round}`, docs);
      const sinkRun = () =>
        runSink(cfg, { untilCaughtUp: true, batchSize: BATCH, timeoutMs: 600_000 }, silentLogger);
      let rawMs: number;
      let sink: Awaited<ReturnType<typeof runSink>>;
      if (round % 2 === 1) {
        rawMs = await raw();
        sink = await sinkRun();
      } else {
        sink = await sinkRun();
        rawMs = await raw();
      }
      const es = esClient(cfg);
      await es.indices.refresh({ index: cfg.indices.breadth });
      const { count } = await es.count({ index: cfg.indices.breadth });
      await es.close();
      if (count !== docs.length)
        throw new Error(`sink: ${count} docs in ${cfg.indices.breadth}, expected ${docs.length}`);
      const rawDps = docs.length / (rawMs / 1000);
      const sinkDps = docs.length / (sink.ms / 1000);
      results.push({ round, rawDps, sinkDps });
      process.stdout.write(
        `round ${round}: raw _bulk ${(rawMs / 1000).toFixed(2)} s = ${rawDps.toFixed(0)} docs/s; ` +
          `sink ${(sink.ms / 1000).toFixed(2)} s (${sink.batches} batches) = ${sinkDps.toFixed(0)} docs/s; ` +
          `ratio ${(sinkDps / rawDps).toFixed(2)}\n`,
      );
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ratio = mean(results.map((r) => r.sinkDps)) / mean(results.map((r) => r.rawDps));
    process.stdout.write(
      `mean: raw ${mean(results.map((r) => r.rawDps)).toFixed(0)} docs/s, sink ${mean(results.map((r) => r.sinkDps)).toFixed(0)} docs/s, ratio ${ratio.toFixed(2)} (goal >= 0.70: ${ratio >= 0.7 ? 'met' : 'NOT met'})\n`,
    );
  } finally {
    await stack.down({ volumes: true });
  }
}

await main();
