import type { ContainerState } from '../compose.ts';

// Apart from checks.ts (which loads the S3, Kafka and HTTP clients): `bf infra start` needs this before its preflight.

export interface SharedPs {
  (): Promise<ContainerState[]>;
  /** Forget the snapshot: the next call asks Docker again (e.g. after a container event). */
  invalidate(): void;
}

/** A ps snapshot shared by every compose-health check, refreshed at most every `maxAgeMs` or when invalidated. */
export function sharedPs(ps: () => Promise<ContainerState[]>, maxAgeMs = 200): SharedPs {
  let at = Number.NEGATIVE_INFINITY;
  let current: Promise<ContainerState[]> | undefined;
  const get = () => {
    const now = performance.now();
    if (!current || now - at > maxAgeMs) {
      at = now;
      current = ps();
      // A failed ps must not be cached for the next poll.
      current.catch(() => {
        at = Number.NEGATIVE_INFINITY;
      });
    }
    return current;
  };
  return Object.assign(get, {
    invalidate: () => {
      at = Number.NEGATIVE_INFINITY;
    },
  });
}
