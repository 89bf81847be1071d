import { Command } from 'commander';
import { describeScope } from '../../pipeline/scope.ts';
import { stderrLogger } from '../../util/log.ts';
import {
  checkRange,
  commonOptions as o,
  parseDate,
  parseEngine,
  parseSignals,
  stackFlags,
} from '../options.ts';
import { printResult } from '../output.ts';

export function signalsCommand(): Command {
  const signals = new Command('signals').description(
    'breadth and thrust signals from the prices in the lake',
  );
  signals
    .command('generate')
    .description(
      'compute features and daily breadth (SQL engine), then the thrust signals; store them in the lake',
    )
    .addOption(o.symbolList())
    .addOption(o.lakeStart())
    .addOption(o.lakeEnd())
    .option('--signal <names>', 'comma-separated signals to generate (default: all)')
    .addOption(o.full())
    .addOption(o.engine())
    .addOption(o.workdir())
    .addOption(o.project())
    .addOption(o.local())
    .addOption(o.out())
    .addOption(o.json())
    .addOption(o.quiet())
    .addHelpText(
      'after',
      '\nExample:\n  bf signals generate --symbol-list demo_small --start 2024-01-01 --end 2024-12-31 --out out/',
    )
    .action(async (flags) => {
      const start = parseDate('--start', flags.start);
      const end = parseDate('--end', flags.end);
      checkRange(start, end);
      const engine = parseEngine(flags.engine);
      const names = parseSignals(flags.signal);
      const { openWorkspace, signalsStage } = await import('../../pipeline/stages.ts');
      // Loaded while the stage runs (its work is in DuckDB's threads): the report modules take ~0.2 s to import,
      // a fifth of a nightly run. The no-op catch only keeps an early stage failure from leaving it unhandled.
      const outputsModule = flags.out ? import('../../pipeline/outputs.ts') : null;
      outputsModule?.catch(() => {});
      const log = stderrLogger({ quiet: flags.quiet });
      const ws = await openWorkspace(flags.workdir, log, engine, stackFlags(flags));
      try {
        const r = await signalsStage(ws, {
          symbolList: flags.symbolList,
          start,
          end,
          signals: names,
          full: flags.full === true,
          log,
        });
        const outputs = flags.out
          ? await (await outputsModule!).writeOutputs(
              flags.out,
              {
                kind: 'signals',
                facts: {
                  command: 'signals generate',
                  symbolList: r.symbolList.name,
                  source: r.source,
                  synthetic: r.synthetic,
                  engine,
                  skippedSymbols: r.skipped,
                },
                range: r.range,
                series: r.series,
                events: r.events,
              },
              { log },
            )
          : {};
        // Only with --json: the JSON documents' module loads zod, a tenth of a nightly run.
        const json = flags.json ? await import('../json-docs.ts') : null;
        printResult(
          flags.json,
          () => json!.signalsDoc(r, outputs),
          () =>
            [
              `${describeScope(r.symbolList.name, r.range)}: ${r.series.length} breadth days over ${r.symbolList.symbols.length} symbols from ${r.source}${r.synthetic ? ' [SYNTHETIC DATA]' : ''}; ${r.events.length} signal firing(s)`,
              ...r.events.map((e) => `  ${e.date}  ${e.signal.padEnd(22)} ${e.value.toFixed(4)}`),
              ...Object.values(outputs).map((p) => `wrote ${p}`),
            ].join('\n'),
        );
      } finally {
        await ws.close();
      }
    });
  return signals;
}
