import { Command } from 'commander';
import { parseBadRowPolicy } from '../../sources/csv-rows.ts';
import { stderrLogger } from '../../util/log.ts';
import {
  checkRange,
  commonOptions as o,
  parseDate,
  parseEngine,
  parseSeconds,
  stackFlags,
} from '../options.ts';
import { printResult } from '../output.ts';

export function dataCommand(): Command {
  const data = new Command('data').description('raw daily bars: fetch them into the lake');
  data
    .command('fetch')
    .description('fetch daily bars for a symbol list into the lake (prices table, merged by symbol and date)')
    .addOption(o.symbolList())
    .addOption(o.source())
    .addOption(o.start())
    .addOption(o.end())
    .addOption(o.fetchTimeout())
    .addOption(o.onBadRow())
    .addOption(o.replace())
    .addOption(o.engine())
    .addOption(o.workdir())
    .addOption(o.project())
    .addOption(o.local())
    .addOption(o.json())
    .addOption(o.quiet())
    .addHelpText(
      'after',
      '\nExample:\n  bf data fetch --symbol-list demo_small --source yahoo --start 2020-01-01',
    )
    .action(async (flags) => {
      const start = parseDate('--start', flags.start);
      const end = parseDate('--end', flags.end);
      checkRange(start, end);
      const onBadRow = parseBadRowPolicy(flags.onBadRow);
      const { fetchStage, openWorkspace } = await import('../../pipeline/stages.ts');
      const log = stderrLogger({ quiet: flags.quiet });
      const ws = await openWorkspace(flags.workdir, log, parseEngine(flags.engine), stackFlags(flags));
      try {
        const r = await fetchStage(ws, {
          symbolList: flags.symbolList,
          source: flags.source,
          start,
          end,
          fetchTimeoutMs: parseSeconds('--fetch-timeout', flags.fetchTimeout),
          onBadRow,
          replace: flags.replace === true,
          log,
        });
        const { fetchDoc } = await import('../json-docs.ts');
        printResult(
          flags.json,
          () => fetchDoc(r),
          () =>
            [
              `fetched ${r.bars} bars for ${r.symbolList.symbols.length - r.failures.length}/${r.symbolList.symbols.length} symbols (${r.symbolList.name}) from ${r.source}${r.synthetic ? ' [SYNTHETIC DATA]' : ''}`,
              ...r.failures.map((f) => `  failed: ${f.symbol}: ${f.reason}`),
              r.span ? `  dates: ${r.span.start} → ${r.span.end}` : '',
              r.skippedRows ? `  skipped rows with null values: ${r.skippedRows}` : '',
              r.badRows ? `  skipped bad rows: ${r.badRows} (named above, per file or symbol)` : '',
              r.replaced ? `  replaced ${r.replaced} bar(s) whose values the source changed` : '',
              ...r.vanished.map(
                (v) =>
                  `  ${r.dropped ? 'dropped' : 'kept'} ${v.bars} bar(s) of ${v.symbol} the source no longer has (${v.first} → ${v.last})`,
              ),
            ]
              .filter(Boolean)
              .join('\n'),
        );
      } finally {
        await ws.close();
      }
    });
  return data;
}
