/**
 * Retries with exponential backoff for errors marked `retryable` (a dropped connection, a rate limit),
 * never for the rest (a rejected request stays rejected).
 * @module
 */
import { isBaseError } from '@xmtp-lite/common'

/** How to retry. */
export interface RetryPolicy {
  /** Total attempts including the first (default 3). */
  readonly attempts?: number
  /** First delay in milliseconds (default 100); doubles each time. */
  readonly baseDelayMs?: number
  /** Upper bound of one delay (default 2,000). */
  readonly maxDelayMs?: number
  /** Jitter source in [0, 1): injectable for deterministic tests (default Math.random). */
  readonly random?: () => number
  /** Sleep, injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** The delay before attempt `attempt + 1` (0-based `attempt`): full jitter over an exponential ceiling. */
export function backoffDelay(attempt: number, policy: RetryPolicy = {}): number {
  const base = policy.baseDelayMs ?? 100
  const max = policy.maxDelayMs ?? 2_000
  const ceiling = Math.min(max, base * 2 ** attempt)
  const random = policy.random ?? Math.random
  return Math.floor(ceiling / 2 + (ceiling / 2) * random())
}

/** Runs `fn`, retrying retryable failures per `policy`; rethrows the last error. */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? 3)
  const sleep = policy.sleep ?? defaultSleep
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      const retryable = isBaseError(error) && error.retryable
      if (!retryable || attempt + 1 >= attempts) throw error
      await sleep(backoffDelay(attempt, policy))
    }
  }
}
