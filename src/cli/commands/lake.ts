import { Command, Option } from 'commander';
import type { LakeBrowser } from '../../lake/browse/index.ts';
import { UsageError } from '../../util/errors.ts';
import { stderrLogger } from '../../util/log.ts';
import { commonOptions as o, parseEngine, parsePositiveInt } from '../options.ts';
import { printResult } from '../output.ts';
import {
  formatHistory,
  formatList,
  formatRows,
  formatVerify,
  leftoversWarning,
  rowsCsv,
} from './lake-format.ts';

/** Default rows of `bf lake show`. */
const SHOW_LIMIT = 20;

/**
 * `bf lake ls|show|history|verify`: what the lake holds, read only, on either engine (the embedded Parquet lake
 * of the workdir, or the Delta tables on the stack's S3 store with --engine spark).
 */
export function lakeCommand(): Command {
  const lake = new Command('lake').description(
    'look at the lake: tables, rows, versions; check it is consistent (read only)',
  );
  const shared = (cmd: Command) =>
    cmd
      .addOption(o.engine())
      .addOption(o.workdir())
      .addHelpText(
        'after',
        '\nThe embedded lake is <workdir>/lake; --engine spark reads the Delta tables at s3://$BF_S3_BUCKET/lake\n(S3 store at 127.0.0.1:$BF_S3_PORT, credentials MINIO_ROOT_USER / MINIO_ROOT_PASSWORD).',
      );

  shared(lake.command('ls').description('every table: rows, files, size, last write, source, synthetic flag'))
    .addOption(o.json())
    .action((flags) =>
      withBrowser(flags, async (b) => {
        const { lakeLsDoc } = await import('../inspect-docs.ts');
        const tables = await b.list();
        printResult(
          flags.json,
          () => lakeLsDoc(b, tables),
          () => formatList(b, tables),
        );
      }),
    );

  shared(
    lake
      .command('show')
      .argument('<table>', 'table name (bf lake ls lists them)')
      .description('the first rows of a table'),
  )
    .option('--limit <n>', 'at most this many rows', String(SHOW_LIMIT))
    .option('--where <expr>', "a filter expression over the table's columns, e.g. \"symbol = 'AAPL'\"")
    .option('--columns <list>', 'comma-separated columns to show, in this order')
    .addOption(o.json())
    .addOption(new Option('--csv', 'print the rows as CSV').conflicts('json'))
    .addHelpText(
      'after',
      "\nExamples:\n  bf lake show prices --where \"symbol = 'AAPL' AND date >= DATE '2024-01-01'\" --limit 5\n  bf lake show signals --columns date,signal --csv",
    )
    .action((tableArg: string, flags) => {
      const limit = parsePositiveInt('--limit', flags.limit) ?? SHOW_LIMIT;
      const columns = parseColumns(flags.columns);
      return withBrowser(
        flags,
        async (b, table) => {
          const { lakeShowDoc } = await import('../inspect-docs.ts');
          const result = await b.show(table, { limit, where: flags.where, columns });
          if (flags.csv) process.stdout.write(rowsCsv(result));
          else
            printResult(
              flags.json,
              () => lakeShowDoc(b, result),
              () => formatRows(result),
            );
        },
        tableArg,
      );
    });

  shared(
    lake
      .command('history')
      .argument('<table>', 'table name')
      .description("a table's versions: time, operation, rows (Delta's log; the embedded lake keeps one)"),
  )
    .addOption(o.json())
    .action((tableArg: string, flags) =>
      withBrowser(
        flags,
        async (b, table) => {
          const { lakeHistoryDoc } = await import('../inspect-docs.ts');
          const history = await b.history(table);
          printResult(
            flags.json,
            () => lakeHistoryDoc(b, table, history),
            () => formatHistory(b, table, history),
          );
        },
        tableArg,
      ),
    );

  shared(
    lake
      .command('verify')
      .description(
        'read every table in full and check it against its metadata; exit 1 naming the first problem',
      ),
  )
    .addOption(o.json())
    .action((flags) =>
      withBrowser(flags, async (b) => {
        const { lakeVerifyDoc } = await import('../inspect-docs.ts');
        const report = await b.verify();
        printResult(
          flags.json,
          () => lakeVerifyDoc(b, report),
          () => formatVerify(report),
        );
        const leftovers = leftoversWarning(report);
        if (leftovers) stderrLogger().warn(leftovers);
        if (report.firstProblem) {
          process.stderr.write(`error: lake at ${report.location}: ${report.firstProblem}\n`);
          process.exitCode = 1;
        }
      }),
    );
  return lake;
}

async function withBrowser(
  flags: { engine: string; workdir?: string },
  fn: (b: LakeBrowser, table: import('../../lake/index.ts').TableName) => Promise<void>,
  tableArg?: string,
): Promise<void> {
  const { openLakeBrowser, requireTableName } = await import('../../lake/browse/index.ts');
  // Check the table name before touching the lake: a typo is a usage error whatever the lake holds.
  const table = tableArg === undefined ? ('prices' as const) : requireTableName(tableArg);
  const browser = await openLakeBrowser(parseEngine(flags.engine), {
    workdir: flags.workdir,
    logger: stderrLogger(),
  });
  try {
    await fn(browser, table);
  } finally {
    await browser.close();
  }
}

function parseColumns(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const cols = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (cols.length === 0) throw new UsageError('--columns needs at least one column name');
  return cols;
}
