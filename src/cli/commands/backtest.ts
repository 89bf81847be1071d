import { Command } from 'commander';
import { stderrLogger } from '../../util/log.ts';
import { commonOptions as o, parseEngine, parsePositiveInt, parseSignals, stackFlags } from '../options.ts';
import { formatBacktests, printResult } from '../output.ts';

export function backtestCommand(): Command {
  const backtest = new Command('backtest').description('backtest the signals stored in the lake');
  backtest
    .command('run')
    .description('forward returns and a hold-N-days strategy vs buy-and-hold for each signal')
    .option(
      '--signal <names>',
      'comma-separated signals to backtest; the first drives equity.svg (default: all)',
    )
    .option('--hold-days <n>', 'trading days held after each firing', '21')
    .addOption(o.engine())
    .addOption(o.workdir())
    .addOption(o.project())
    .addOption(o.local())
    .addOption(o.out())
    .addOption(o.json())
    .addOption(o.quiet())
    .addHelpText('after', '\nExample:\n  bf backtest run --signal zweig_breadth_thrust --out out/')
    .action(async (flags) => {
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
          const input = await loadSignals(ws);
          return { input, backtests: await backtestStage(ws, input, { holdDays, signals: names, log }) };
        });
        const outputs = flags.out
          ? await writeOutputs(
              flags.out,
              {
                kind: 'full',
                facts: {
                  symbolList: `${input.symbols.length} symbols in the lake`,
                  source: input.source,
                  synthetic: input.synthetic,
                  engine: flags.engine,
                },
                series: input.series,
                events: input.events,
                backtests,
                primarySignal: names?.[0],
              },
              { log },
            )
          : {};
        printResult(
          flags.json,
          { synthetic: input.synthetic, backtests: backtests.map(({ equity: _e, ...b }) => b), outputs },
          () =>
            [
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
