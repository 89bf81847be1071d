import { Command, CommanderError } from 'commander';
import { BfError, EXIT } from '../util/errors.ts';
import { escapeControl } from '../util/escape.ts';
import { describeFsError } from '../util/fs-errors.ts';
import { clearProgressLine } from '../util/log.ts';
import { backtestCommand } from './commands/backtest.ts';
import { dataCommand } from './commands/data.ts';
import { doctorCommand } from './commands/doctor.ts';
import { infraCommand } from './commands/infra.ts';
import { lakeCommand } from './commands/lake.ts';
import { pipelineCommand } from './commands/pipeline.ts';
import { signalsCommand } from './commands/signals.ts';
import { sinkCommand } from './commands/sink.ts';
import { interruptedExitCode } from './interrupt.ts';

export function buildProgram(): Command {
  const program = new Command('bf')
    .description('Market-breadth thrust signals (Zweig, Deemer, Whaley) over a list of stocks')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const cmd of [
    infraCommand(),
    dataCommand(),
    signalsCommand(),
    backtestCommand(),
    pipelineCommand(),
    sinkCommand(),
    lakeCommand(),
    doctorCommand(),
  ]) {
    program.addCommand(cmd);
  }
  for (const cmd of program.commands) exitOverrideDeep(cmd);
  return program;
}

/** Commander only overrides exits on the command it was set on; subcommands need it too. */
function exitOverrideDeep(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) exitOverrideDeep(sub);
}

/** Runs the CLI and returns the exit code: 0 ok, 1 the work failed, 2 bad usage or input. */
export async function main(argv: string[]): Promise<number> {
  // A reader that stops early (`bf lake show prices --csv | head`) closes the pipe: what bf still writes has no
  // reader, which is not a failure of bf's work. End quietly, as a Unix filter does, not with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    return interruptedExitCode() ?? reportError(err);
  }
}

export function reportError(err: unknown): number {
  clearProgressLine(); // a progress line left on the terminal must not run into the error
  if (err instanceof CommanderError) {
    // Commander already printed the message (or the help text).
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
    ) {
      return EXIT.ok;
    }
    return EXIT.usage;
  }
  if (err instanceof BfError) {
    process.stderr.write(`error: ${escapeControl(err.message)}\n`);
    if (err.hint) process.stderr.write(`hint: ${escapeControl(err.hint)}\n`);
    return err.exitCode;
  }
  const fsFailure = describeFsError(err);
  if (fsFailure) {
    process.stderr.write(`error: ${escapeControl(fsFailure)}\n`);
    process.stderr.write(
      'hint: check that --workdir (or BF_HOME) and --out are directories you can write to\n',
    );
    return EXIT.failure;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`error: unexpected failure: ${escapeControl(message)}\n`);
  return EXIT.failure;
}
