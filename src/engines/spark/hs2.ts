import hive from 'hive-driver';
import { BfError } from '../../util/errors.ts';

/**
 * A HiveServer2 (Thrift) session with the Spark Thrift Server, through the `hive-driver` client: binary transport,
 * SASL PLAIN (the server's `hive.server2.authentication=NONE` accepts any user). Statements run asynchronously on
 * the server and are polled, so a long Spark job never holds a socket read open; a lost connection (the server
 * died) rejects the statement in flight instead of leaving it pending.
 */
export interface Hs2Session {
  /** Runs one statement and returns its rows as objects keyed by column name (DATE as 'YYYY-MM-DD'). */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** True until the connection is lost or closed. */
  readonly alive: boolean;
  close(): Promise<void>;
}

/** The server answered a statement with an error (analysis error, failed Spark job...). */
export class Hs2StatementError extends BfError {
  readonly sqlState: string | undefined;
  constructor(message: string, sqlState: string | undefined) {
    super(message);
    this.name = 'Hs2StatementError';
    this.sqlState = sqlState;
  }
}

/** The connection to the server is gone (refused, reset, closed mid-statement). */
export class Hs2ConnectionError extends BfError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'Hs2ConnectionError';
  }
}

export interface Hs2Options {
  host: string;
  port: number;
  /** Session configuration (`SET` keys), e.g. the shuffle partitions. */
  configuration?: Record<string, string>;
  /** Status poll interval of a running statement. */
  pollMs?: number;
  connectTimeoutMs?: number;
}

const { TCLIService, TCLIService_types: T } = hive.thrift;
/** Rows per FetchResults call. */
const FETCH_ROWS = 50_000;

interface OpStatus {
  operationState: number;
  errorMessage?: string;
  sqlState?: string;
}

interface HiveOperationLike {
  status(progress?: boolean): Promise<OpStatus>;
  setMaxRows(n: number): void;
  fetch(): Promise<unknown>;
  hasMoreRows(): boolean;
  close(): Promise<unknown>;
}

const FAILED_STATES = new Set<number>([
  T.TOperationState.CANCELED_STATE,
  T.TOperationState.CLOSED_STATE,
  T.TOperationState.ERROR_STATE,
  T.TOperationState.TIMEDOUT_STATE,
  T.TOperationState.UKNOWN_STATE,
]);

export async function openHs2Session(opts: Hs2Options): Promise<Hs2Session> {
  const where = `${opts.host}:${opts.port}`;
  const client = new hive.HiveClient(TCLIService, T);
  let lost: Error | undefined;
  const waiters = new Set<(e: Error) => void>();
  const onLost = (why: string) => (e?: unknown) => {
    lost ??= new Hs2ConnectionError(
      `connection to the Spark Thrift Server at ${where} lost: ${why}${e instanceof Error ? ` (${e.message})` : ''}`,
      e,
    );
    for (const w of waiters) w(lost);
    waiters.clear();
  };
  client.on('error', onLost('error'));
  client.on('close', onLost('closed by the server'));
  /** Rejects when the connection is lost before `p` settles. */
  const guarded = <T>(p: Promise<T>): Promise<T> => {
    if (lost) return Promise.reject(lost);
    return new Promise<T>((resolve, reject) => {
      const fail = (e: Error) => reject(e);
      waiters.add(fail);
      p.then(
        (v) => {
          waiters.delete(fail);
          resolve(v);
        },
        (e: unknown) => {
          waiters.delete(fail);
          reject(lost ?? e);
        },
      );
    });
  };

  try {
    await withTimeout(
      client.connect(
        { host: opts.host, port: opts.port },
        new hive.connections.TcpConnection(),
        new hive.auth.PlainTcpAuthentication({ username: 'bf', password: 'bf' }),
      ),
      opts.connectTimeoutMs ?? 10_000,
      `connect to ${where}`,
    );
  } catch (e) {
    client.close();
    throw new Hs2ConnectionError(
      `cannot connect to the Spark Thrift Server at ${where}: ${e instanceof Error ? e.message : String(e)}`,
      e,
    );
  }
  const session = await guarded(
    client.openSession({
      client_protocol: T.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10,
      configuration: opts.configuration ?? {},
    }),
  ).catch((e: unknown) => {
    client.close();
    throw e instanceof Hs2ConnectionError
      ? e
      : new Hs2ConnectionError(`Spark Thrift Server at ${where} refused a session: ${errorText(e)}`, e);
  });
  const utils = new hive.HiveUtils(T);
  const pollMs = opts.pollMs ?? 50;

  return {
    get alive() {
      return lost === undefined;
    },
    async query(sql) {
      const op = (await guarded(session.executeStatement(sql, { runAsync: true }))) as HiveOperationLike;
      try {
        for (;;) {
          const st = await guarded(op.status(false));
          if (st.operationState === T.TOperationState.FINISHED_STATE) break;
          if (FAILED_STATES.has(st.operationState)) {
            throw new Hs2StatementError(
              st.errorMessage || `statement ended in state ${st.operationState}`,
              st.sqlState,
            );
          }
          await new Promise((r) => setTimeout(r, pollMs));
        }
        // The client's default is 100 rows per round trip; a table read is up to a few hundred thousand rows.
        op.setMaxRows(FETCH_ROWS);
        await guarded(utils.fetchAll(op as never));
        return utils.getResult(op as never).getValue() as Record<string, unknown>[];
      } catch (e) {
        if (e instanceof Hs2StatementError || e instanceof Hs2ConnectionError) throw e;
        throw lost ?? new Hs2StatementError(errorText(e), undefined);
      } finally {
        if (!lost) await op.close().catch(() => undefined);
      }
    },
    async close() {
      if (!lost) await withTimeout(session.close(), 5_000, 'close session').catch(() => undefined);
      lost ??= new Hs2ConnectionError(`session with ${where} closed`);
      client.close();
    },
  };
}

function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
