import { publishConfig } from '../config/publish.ts';
import type { BreadthSeriesRow } from '../domain/breadth.ts';
import type { SignalEvent } from '../domain/signal.ts';
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
  opts: { env?: NodeJS.ProcessEnv; log: Logger },
): Promise<PublishSummary> {
  const { publishSignals } = await import('../publish/producer.ts');
  const { runSink } = await import('../publish/sink.ts');
  const { verifyPublished } = await import('../publish/verify.ts');
  const cfg = publishConfig(opts.env);
  const context = {
    symbolList: input.symbolList,
    synthetic: input.synthetic,
    engine: input.engine,
    source: input.source,
  };
  const sent = await publishSignals({ events: input.events, series: input.series, context }, cfg, opts.log);
  opts.log.info(
    `kafka: ${sent.signals} signal and ${sent.breadth} breadth message(s) sent to ${Object.values(sent.topics).join(', ')}`,
  );
  const sink = await runSink(cfg, { untilCaughtUp: true }, opts.log);
  opts.log.info(`sink: ${sink.indexed} document(s) indexed in ${sink.batches} batch(es)`);
  const verified = await verifyPublished(input.events, cfg, { symbolList: input.symbolList });
  opts.log.info(
    `elasticsearch: ${verified.documents} signal document(s) in ${verified.index} = ${verified.expected} in the lake`,
  );
  return {
    signals: sent.signals,
    breadth: sent.breadth,
    esDocuments: verified.documents,
    index: verified.index,
  };
}
