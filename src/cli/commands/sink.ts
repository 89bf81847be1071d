import { Command } from 'commander';
import { stderrLogger } from '../../util/log.ts';
import { commonOptions as o, parsePositiveInt, stackFlags } from '../options.ts';
import { printResult } from '../output.ts';

/**
 * `bf sink run`: the Kafka → Elasticsearch sink. Runs until SIGINT/SIGTERM (a batch read but not yet committed
 * is read again next time), or with --until-caught-up until the group's committed offsets reach the topics'
 * high watermarks (what the pipeline does).
 */
export function sinkCommand(): Command {
  const sink = new Command('sink').description('Kafka → Elasticsearch sink (signals and breadth rows)');
  sink
    .command('run')
    .description(
      'consume bf.signals and bf.breadth, bulk-index into bf-signals / bf-breadth, commit after ES acks',
    )
    .option('--until-caught-up', 'stop once every partition is committed up to its high watermark')
    .option('--batch-size <n>', 'messages per bulk request', '2000')
    .option('--timeout <seconds>', 'with --until-caught-up: fail if not caught up within this time', '300')
    .addOption(o.project())
    .addOption(o.local())
    .addOption(o.json())
    .addOption(o.quiet())
    .addHelpText(
      'after',
      '\nA failure naming Kafka or Elasticsearch shows the last log lines of that service (of the stack --project names).\nAddresses: Kafka 127.0.0.1:$BF_KAFKA_PORT (9092), Elasticsearch 127.0.0.1:$BF_ELASTICSEARCH_PORT (9200).\nExamples:\n  bf sink run                      # until Ctrl-C\n  bf sink run --until-caught-up --json',
    )
    .action(async (flags) => {
      const batchSize = parsePositiveInt('--batch-size', flags.batchSize);
      const timeoutSeconds = parsePositiveInt('--timeout', flags.timeout);
      const { publishConfig } = await import('../../config/publish.ts');
      const { runSink } = await import('../../publish/sink.ts');
      const { stackServiceLogs, withServiceLogs } = await import('../../infra/service-logs.ts');
      const { withDaemonFault } = await import('../../infra/daemon.ts');
      const startedAt = Date.now();
      const cfg = publishConfig();
      const log = stderrLogger({ quiet: flags.quiet });
      const stop = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        log.info(
          `${sig}: stopping the sink (a batch still in flight is not committed; it is read again next time)`,
        );
        stop.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const result = await runSink(
          cfg,
          {
            untilCaughtUp: Boolean(flags.untilCaughtUp),
            signal: stop.signal,
            batchSize,
            timeoutMs: flags.untilCaughtUp ? (timeoutSeconds ?? 300) * 1000 : Number.POSITIVE_INFINITY,
          },
          log,
        ).catch(async (e: unknown) => {
          // A failure naming kafka or elasticsearch carries that service's last log lines, as in `pipeline run`.
          throw await withDaemonFault(
            await withServiceLogs(e, stackServiceLogs(stackFlags(flags))),
            startedAt,
          );
        });
        printResult(
          flags.json,
          { ...result, topics: cfg.topics, indices: cfg.indices, groupId: cfg.groupId },
          () =>
            `sink ${result.stoppedBy}: ${result.indexed} document(s) indexed, ${result.deleted} deleted, ${result.batches} batch(es) into ${cfg.indices.signals} / ${cfg.indices.breadth}`,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  return sink;
}
