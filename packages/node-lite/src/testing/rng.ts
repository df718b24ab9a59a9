/**
 * A deterministic generator (xorshift32) for the wire encoders' differential tests, so that a failure names
 * its seed and reproduces.
 * @module
 */

/** A generator from `seed`: 32-bit words, integers below `n`, and `n` random bytes. */
export function rng(seed: number): {
  next: () => number
  below: (n: number) => number
  bytes: (n: number) => Uint8Array
} {
  let s = seed >>> 0 || 1
  const next = () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
  const below = (n: number) => next() % n
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => below(256))
  return { next, below, bytes }
}
