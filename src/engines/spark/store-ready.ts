import { STORE_SERVE_POLL_MS, STORE_SERVE_WAIT_MS } from '../../config/engine.ts';
import { retryUntil } from '../../infra/readiness/retry.ts';
import { type Clock, systemClock } from '../../infra/readiness/types.ts';
import { type S3Lake, S3StoreError } from '../../lake/s3.ts';
import { BfError } from '../../util/errors.ts';
import type { Logger } from '../../util/log.ts';

export interface StoreReadyOptions {
  logger: Logger;
  /** Each request of a probe is cut off after this. */
  probeMs: number;
  /** Whether the store's container runs (compose); a store that is not running is not waited for. */
  running?: () => Promise<boolean>;
  waitMs?: number;
  pollMs?: number;
  clock?: Clock;
}

/**
 * Before a Spark command's first job: the store must serve an object (written and read back), not only answer its
 * bucket. A store that is running but not serving yet (SeaweedFS just after `docker start`, or a restart) is
 * waited for, with one line saying so, up to `waitMs`; then the command fails naming it as not ready. A missing
 * bucket or a store that is not running fails at once: waiting cannot help, `bf infra start` does.
 */
export async function untilStoreServes(s3: S3Lake, opts: StoreReadyOptions): Promise<void> {
  const waitMs = opts.waitMs ?? STORE_SERVE_WAIT_MS;
  const store = `S3 store (service s3 at ${s3.config.endpoint})`;
  let fatal: unknown;
  let told = false;
  const outcome = await retryUntil(
    async () => {
      try {
        await s3.checkServes(opts.probeMs);
        return { ok: true, detail: 'serves an object' };
      } catch (e) {
        if (!(e instanceof S3StoreError) || e.missingBucket) {
          fatal = e;
          return { ok: false, fatal: true, detail: String(e) };
        }
        if (opts.running && !(await opts.running().catch(() => true))) {
          fatal = new BfError(`${e.message} (its container is not running)`, {
            cause: e,
            hint: '`bf infra start` starts the stack and waits until the store serves; then run the same command again',
          });
          return { ok: false, fatal: true, detail: e.message };
        }
        return { ok: false, detail: e.message.replace(`${store}: `, '') };
      }
    },
    {
      timeoutMs: waitMs,
      intervalMs: opts.pollMs ?? STORE_SERVE_POLL_MS,
      clock: opts.clock ?? systemClock,
      onAttempt: (r) => {
        if (told || r.fatal) return;
        told = true;
        opts.logger.info(
          `spark: the ${store} is running but does not serve objects yet (${r.detail}); waiting up to ${Math.round(waitMs / 1000)} s for it (a store just started needs up to ~40 s)`,
        );
      },
    },
  );
  if (outcome.ok) {
    if (told) {
      opts.logger.info(`spark: the S3 store serves objects after ${(outcome.elapsedMs / 1000).toFixed(1)} s`);
    }
    return;
  }
  if (fatal) throw fatal;
  throw new BfError(
    `${store} is not ready: it has not served an object in ${Math.round(outcome.elapsedMs / 1000)} s (last: ${outcome.last.detail})`,
    {
      hint: 'run `bf infra start`: it starts the store and waits until it serves an object, or names what is wrong with it; then run the same command again',
    },
  );
}
