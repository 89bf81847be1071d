/**
 * Work the process must stop before it exits. DuckDB threads that wait on a JavaScript table function's callback
 * (src/engines/duckdb/window-scan-source.ts) never get it once `process.exit` runs, and the exit then waits on
 * them for ever: an interrupt (src/cli/interrupt.ts) first asks each holder to stop, then exits.
 */
const holders = new Set<() => Promise<void>>();

/** Registers `stop` (ends the work; resolves once it has ended) until the returned function is called. */
function holdExit(stop: () => Promise<void>): () => void {
  holders.add(stop);
  return () => {
    holders.delete(stop);
  };
}

/**
 * Awaits `statement`, holding the exit until it has ended: an interrupt meanwhile calls `stop` (which makes the
 * statement fail soon, e.g. by failing a table function's next callback) and exits once the statement has ended.
 */
export async function holdExitDuring<T>(statement: Promise<T>, stop: () => void): Promise<T> {
  const ended = statement.then(
    () => undefined,
    () => undefined,
  );
  const release = holdExit(async () => {
    stop();
    await ended;
  });
  try {
    return await statement;
  } finally {
    release();
  }
}

/** Stops every held work; resolves when all have ended (or failed), at once when none is held. */
export async function releaseExit(): Promise<void> {
  await Promise.allSettled([...holders].map((stop) => stop()));
}

export function exitHeld(): boolean {
  return holders.size > 0;
}
