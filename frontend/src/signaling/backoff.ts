/** Reconnection delays: exponential with full jitter, so that after a server
 * restart hundreds of clients do not all come back in the same second. */

/** Backoff settings of {@link reconnectDelay}. */
export interface BackoffOptions {
  /** Delay before the first attempt, in ms (default 500). */
  initialDelayMs: number;
  /** Upper bound of any delay, in ms (default 15 000). */
  maxDelayMs: number;
  /** Growth per attempt (default 2). */
  factor: number;
  /** Share of the delay that is randomised, 0..1 (default 0.5). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  factor: 2,
  jitter: 0.5,
};

/**
 * The delay before reconnection attempt `attempt` (0 for the first):
 * `min(max, initial × factor^attempt)`, of which a `jitter` share is random.
 * `random` is injectable for tests.
 */
export function reconnectDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** attempt);
  return Math.round(base * (1 - options.jitter) + base * options.jitter * random());
}
