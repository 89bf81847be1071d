import { Command } from 'commander';
import { DEFAULT_MIN_SYMBOLS } from '../../pipeline/min-symbols.ts';
import { describeScope } from '../../pipeline/scope.ts';
import { parseBadRowPolicy } from '../../sources/csv-rows.ts';
import { stderrLogger } from '../../util/log.ts';
import { onInterrupt } from '../interrupt.ts';
import {
  checkRange,
  commonOptions as o,
  parseDate,
  parseEngine,
  parsePositiveInt,
  parseSeconds,
  parseSignals,
  stackFlags,
} from '../options.ts';
import { formatBacktests, printResult } from '../output.ts';

export function pipelineCommand(): Command {
  const pipeline = new Command('pipeline').description('the whole flow in one go');
  pipeline
    .command('run')
    .description('fetch → breadth → signals → backtest → output files')
    .addOption(o.symbolList())
    .addOption(o.source())
    .addOption(o.start())
    .addOption(o.end())
    .addOption(o.fetchTimeout())
    .addOption(o.onBadRow())
    .addOption(o.replace())
    .option('--signal <names>', 'comma-separated signals (default: all); the first drives equity.svg')
    .option('--hold-days <n>', 'trading days held after each firing', '21')
    .option(
      '--min-symbols <n>',
      'fail (exit 1) when fewer symbols than this have prices; the others are skipped and named',
      String(DEFAULT_MIN_SYMBOLS),
    )
    .addOption(o.full())
    .addOption(o.engine())
    .addOption(o.workdir())
    .addOption(o.project())
    .addOption(o.local())
    .addOption(o.out())
    .option(
      '--no-publish',
      'with --engine spark: skip Kafka → Elasticsearch (publishing is on by default there)',
    )
    .option(
      '--publish',
      'publish to Kafka → Elasticsearch and verify the counts (default with --engine spark)',
    )
    .addOption(o.json())
    .addOption(o.quiet())
    .addHelpText(
      'after',
      '\nExamples:\n  bf pipeline run --symbol-list demo_small --source sample --out out/\n  bf pipeline run --symbol-list my.txt --source csv:./prices --out out/',
    )
    .action(async (flags) => {
      const start = parseDate('--start', flags.start);
      const end = parseDate('--end', flags.end);
      checkRange(start, end);
      // Loaded on use: the engine and chart libraries are heavy, and --help or a usage error needs neither.
      const { runPipeline } = await import('../../pipeline/run.ts');
      let stage = 'start';
      const release = onInterrupt(
        () =>
          `during stage ${stage}: nothing is half-written (the lake${flags.out ? ` and ${flags.out}` : ''} keep their last whole versions${flags.engine === 'spark' ? '; a Spark job already submitted may still land its Delta commit, which is whole' : ''}); run the same command again to finish`,
      );
      const result = await runPipeline({
        onStage: (s) => {
          stage = s;
        },
        symbolList: flags.symbolList,
        source: flags.source,
        start,
        end,
        fetchTimeoutMs: parseSeconds('--fetch-timeout', flags.fetchTimeout),
        onBadRow: parseBadRowPolicy(flags.onBadRow),
        replace: flags.replace === true,
        engine: parseEngine(flags.engine),
        signals: parseSignals(flags.signal),
        holdDays: parsePositiveInt('--hold-days', flags.holdDays),
        minSymbols: parsePositiveInt('--min-symbols', flags.minSymbols),
        full: flags.full === true,
        workdir: flags.workdir,
        outDir: flags.out,
        publish: flags.publish,
        stack: stackFlags(flags),
        log: stderrLogger({ quiet: flags.quiet }),
      });
      release();
      const { pipelineDoc } = await import('../json-docs.ts');
      printResult(
        flags.json,
        () => pipelineDoc(result),
        () =>
          [
            `${describeScope(result.symbolList.name, result.range)}: ${result.bars} bars from ${result.source}, ${result.breadthDays} breadth days, ${result.events.length} signal firing(s)`,
            ...(result.skipped.length > 0
              ? [
                  `skipped ${result.skipped.length} symbol(s) without prices: ${result.skipped.map((f) => f.symbol).join(', ')}`,
                ]
              : []),
            formatBacktests(result.backtests, result.synthetic),
            ...Object.values(result.outputs).map((p) => `wrote ${p}`),
          ].join('\n'),
      );
    });
  return pipeline;
}
