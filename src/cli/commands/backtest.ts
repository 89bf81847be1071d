import { Command } from 'commander';
import { describeScope } from '../../pipeline/scope.ts';
import { stderrLogger } from '../../util/log.ts';
import {
  checkRange,
  commonOptions as o,
  parseDate,
  parseEngine,
  parsePositiveInt,
  parseSignals,
  stackFlags,
} from '../options.ts';
import { formatBacktests, printResult } from '../output.ts';

export function backtestCommand(): Command {
  const backtest = new Command('backtest').description('backtest the signals stored in the lake');
  backtest
    .command('run')
    .description(
      'forward returns and a hold-N-days strategy vs buy-and-hold for each signal generated for the list and range',
    )
    .addOption(o.symbolList())
    .addOption(o.lakeStart('the range `bf signals generate` used'))
    .addOption(o.lakeEnd('the range `bf signals generate` used'))
    .option(
      '--signal <names>',
      'comma-separated signals to backtest; the first drives equity.svg (default: all that were generated)',
    )
    .option('--hold-days <n>', 'trading days held after each firing', '21')
    .addOption(o.engine())
    .addOption(o.workdir())
    .addOption(o.project())
    .addOption(o.local())
    .addOption(o.out())
    .addOption(o.json())
    .addOption(o.quiet())
    .addHelpText(
      'after',
      '\nExample:\n  bf backtest run --symbol-list demo_small --signal zweig_breadth_thrust --out out/',
    )
    .action(async (flags) => {
      const start = parseDate('--start', flags.start);
      const end = parseDate('--end', flags.end);
      checkRange(start, end);
      const names = parseSignals(flags.signal);
      const holdDays = parsePositiveInt('--hold-days', flags.holdDays);
      const { loadSignals, openWorkspace } = await import('../../pipeline/stages.ts');
      const { backtestStage } = await import('../../pipeline/backtest-stage.ts');
      const { writeOutputs } = await import('../../pipeline/outputs.ts');
      const log = stderrLogger({ quiet: flags.quiet });
      const ws = await openWorkspace(flags.workdir, log, parseEngine(flags.engine), stackFlags(flags));
      try {
        // One hold: the backtest tables stored are computed from the signals read, not from another run's.
        const { input, backtests } = await ws.exclusive(async () => {
          const input = await loadSignals(ws, { symbolList: flags.symbolList, start, end, signals: names });
          return {
            input,
            backtests: await backtestStage(ws, input, { holdDays, signals: input.signals, log }),
          };
        });
        const outputs = flags.out
          ? await writeOutputs(
              flags.out,
              {
                kind: 'full',
                facts: {
                  command: 'backtest run',
                  symbolList: input.symbolList.name,
                  source: input.source,
                  synthetic: input.synthetic,
                  engine: flags.engine,
                },
                range: input.range,
                series: input.series,
                events: input.events,
                backtests,
                primarySignal: names?.[0],
              },
              { log },
            )
          : {};
        const { backtestDoc } = await import('../json-docs.ts');
        printResult(
          flags.json,
          () => backtestDoc(input, backtests, outputs),
          () =>
            [
              `${describeScope(input.symbolList.name, input.range)}: ${input.series.length} breadth days over ${input.symbolList.symbols.length} symbols from ${input.source}`,
              formatBacktests(backtests, input.synthetic),
              ...Object.values(outputs).map((p) => `wrote ${p}`),
            ].join('\n'),
        );
      } finally {
        await ws.close();
      }
    });
  return backtest;
}
