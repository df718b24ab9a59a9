/**
 * Per-client token buckets, as node-go's rate limiter (`pkg/ratelimiter/rate_limiter.go`, §1.7): a
 * DEFAULT bucket (refill 4,000/min, capacity 20,000) for reads and stream opens, and a PUBLISH bucket
 * (refill 600/min, capacity 3,000) for writes, where sending N messages costs N. A request that finds
 * too few tokens is refused with `Node::RateLimited` (gRPC RESOURCE_EXHAUSTED) and takes none.
 * @module
 */
import { NodeError } from './errors.ts'

/** One bucket kind: tokens added per minute and the most it holds. */
export interface BucketLimit {
  readonly refillPerMinute: number
  readonly capacity: number
}

/** The limits of each kind. */
export interface RateLimits {
  readonly default: BucketLimit
  readonly publish: BucketLimit
}

/** node-go's numbers. */
export const upstreamRateLimits: RateLimits = {
  default: { refillPerMinute: 4000, capacity: 20_000 },
  publish: { refillPerMinute: 600, capacity: 3000 },
}

/** The kind of a request. */
export type LimitKind = 'default' | 'publish'

interface Bucket {
  tokens: number
  at: number
}

/** Token buckets keyed by client and kind. Memory is bounded: full buckets are forgotten. */
export class RateLimiter {
  private readonly limits: RateLimits
  private readonly now: () => number
  private readonly buckets = new Map<string, Bucket>()
  private lastSweep: number

  constructor(limits: RateLimits = upstreamRateLimits, now: () => number = Date.now) {
    this.limits = limits
    this.now = now
    this.lastSweep = now()
  }

  /**
   * Takes `cost` tokens from the client's bucket of `kind`.
   * @throws NodeError `Node::RateLimited` when the bucket holds fewer than `cost` tokens.
   */
  take(client: string, kind: LimitKind, cost = 1): void {
    const limit = this.limits[kind]
    const now = this.now()
    const key = `${kind}\u0000${client}`
    const bucket = this.buckets.get(key) ?? { tokens: limit.capacity, at: now }
    const refilled = Math.min(
      limit.capacity,
      bucket.tokens + ((now - bucket.at) * limit.refillPerMinute) / 60_000,
    )
    if (refilled < cost) {
      bucket.tokens = refilled
      bucket.at = now
      this.buckets.set(key, bucket)
      throw new NodeError('Node::RateLimited', `rate limit exceeded for ${kind} requests`, {
        details: `${client} needs ${cost} tokens, has ${Math.floor(refilled)}`,
      })
    }
    bucket.tokens = refilled - cost
    bucket.at = now
    this.buckets.set(key, bucket)
    if (now - this.lastSweep > 60_000) this.sweep(now)
  }

  private sweep(now: number): void {
    this.lastSweep = now
    for (const [key, b] of this.buckets) {
      const limit = key.startsWith('publish') ? this.limits.publish : this.limits.default
      if (b.tokens + ((now - b.at) * limit.refillPerMinute) / 60_000 >= limit.capacity)
        this.buckets.delete(key)
    }
  }
}
