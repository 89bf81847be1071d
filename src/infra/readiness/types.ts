/** The outcome of one probe. `fatal` means waiting longer cannot help (e.g. the container exited). */
export interface ProbeResult {
  ok: boolean;
  /** What was seen, e.g. `status yellow` or `1 alive worker`. */
  detail: string;
  fatal?: boolean;
  /** Ready, but with something the user should know (e.g. Kibana `degraded`): logged once as a warning. */
  warning?: string;
}

/** One readiness condition of one compose service. */
export interface ReadinessCheck {
  /** Compose service name (not container name): checked against `compose config --services` before waiting. */
  service: string;
  /** The condition, e.g. `cluster health >= yellow`. */
  name: string;
  /** Per-check limit; the overall deadline of forAll caps it. */
  timeoutMs?: number;
  /** One attempt. Throwing counts as not ready (the message becomes the detail). */
  probe(): Promise<ProbeResult>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
