/** Exit codes of every bf command: 0 ok, 1 the work failed, 2 the user asked for something invalid. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * An error meant for a person: `message` names the thing that failed and `hint` says what to do.
 * `exitCode` 2 marks bad input (unknown list, malformed symbol, bad flag); 1 marks a failed run.
 */
export class BfError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'BfError';
    this.exitCode = opts.exitCode ?? EXIT.failure;
    this.hint = opts.hint;
  }
}

/** Bad input from the user: exit code 2. */
export class UsageError extends BfError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: EXIT.usage, hint });
    this.name = 'UsageError';
  }
}
