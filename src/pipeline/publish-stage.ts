import { publishConfig } from '../config/publish.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';
import { type ServiceLogs, withServiceLogs } from '../infra/service-logs.ts';
import type { Logger } from '../util/log.ts';
import type { PublishSummary } from './types.ts';

/**
 * Signals and breadth → Kafka (idempotent, deterministic keys) → sink until caught up → Elasticsearch, then the
 * end-of-run check: the list's documents in ES must equal the lake's signals, else a BfError with the diff.
 */
export async function publishStage(
  input: {
    events: SignalEvent[];
    series: BreadthSeriesRow[];
    symbolList: string;
    synthetic: boolean;
    engine: string;
    source: string;
  },
  opts: {
    env?: NodeJS.ProcessEnv;
    log: Logger;
    /** The service's last log lines, attached to a failure that names kafka or elasticsearch. */
    serviceLogs?: ServiceLogs;
  },
): Promise<PublishSummary> {
  try {
    return await publishAndVerify(input, opts);
  } catch (e) {
    throw await withServiceLogs(e, opts.serviceLogs);
  }
}

async function publishAndVerify(
  input: Parameters<typeof publishStage>[0],
  opts: { env?: NodeJS.ProcessEnv; log: Logger },
): Promise<PublishSummary> {
  const { publishSignals } = await import('../publish/producer.ts');
  const { runSink } = await import('../publish/sink.ts');
  const { documentIds, verifyPublished } = await import('../publish/verify.ts');
  const { buildMessages } = await import('../publish/keys.ts');
  const cfg = publishConfig(opts.env);
  const context = {
    symbolList: input.symbolList,
    synthetic: input.synthetic,
    engine: input.engine,
    source: input.source,
  };

  // What an earlier run of this list left in ES that this run no longer has (a signal that moved when the range or
  // the data changed) is retracted with tombstones, so the index ends equal to the lake.
  const current = buildMessages({ events: input.events, series: input.series, context }, cfg.topics);
  const stale = async (index: string, keep: readonly { key: string }[]) => {
    const live = new Set(keep.map((m) => m.key));
    return (await documentIds(cfg, index, input.symbolList)).filter((id) => !live.has(id));
  };
  const retract = {
    signals: await stale(cfg.indices.signals, current.signals),
    breadth: await stale(cfg.indices.breadth, current.breadth),
  };
  const retracted = retract.signals.length + retract.breadth.length;
  if (retracted > 0) {
    opts.log.info(
      `elasticsearch: retracting ${retract.signals.length} signal and ${retract.breadth.length} breadth document(s) of ${input.symbolList} that this run no longer has`,
    );
  }

  const sent = await publishSignals(
    { events: input.events, series: input.series, context, retract },
    cfg,
    opts.log,
  );
  const sink = await runSink(cfg, { untilCaughtUp: true }, opts.log);
  opts.log.info(`sink: ${sink.indexed} indexed, ${sink.deleted} deleted in ${sink.batches} batch(es)`);
  const verified = await verifyPublished(input.events, cfg, { symbolList: input.symbolList });
  opts.log.info(
    `elasticsearch: ${verified.documents} signal document(s) in ${verified.index} = ${verified.expected} in the lake`,
  );
  return {
    signals: sent.signals,
    breadth: sent.breadth,
    retracted,
    esDocuments: verified.documents,
    index: verified.index,
  };
}
