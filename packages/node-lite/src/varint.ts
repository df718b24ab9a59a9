/**
 * Protobuf varints (https://protobuf.dev/programming-guides/encoding/#varints) for the encoders that
 * write answers straight into one buffer (groupMessageWire.ts, inboxIdsWire.ts): the size of a varint,
 * and writing one at an offset, for a safe integer or a uint64 bigint. Their bytes are checked against the
 * generated protobuf code by those encoders' differential tests (every varint-length and 64-bit edge).
 * @module
 */

/** Bytes of `value` as a varint (`value` a non-negative integer below 2^64). */
export function varintSize(value: number): number {
  let n = 1
  while (value >= 128) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}

/** Bytes of `value` as a varint (`value` a uint64). */
export function bigVarintSize(value: bigint): number {
  let n = 1
  while (value >= 128n) {
    value >>= 7n
    n++
  }
  return n
}

/** Writes a varint of a non-negative safe integer; returns the new offset. */
export function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    out[at++] = (value % 128) | 0x80
    value = Math.floor(value / 128)
  }
  out[at++] = value
  return at
}

/** Writes a varint of a uint64; returns the new offset. */
export function writeBigVarint(out: Uint8Array, at: number, value: bigint): number {
  // Below 2^53 the number path is exact and cheaper.
  if (value < 9007199254740992n) return writeVarint(out, at, Number(value))
  return writeVarint64(out, at, Number(value >> 32n), Number(value & 0xffffffffn))
}

/** Bytes of a 64-bit varint given as two 32-bit words. */
export function varint64Size(high: number, low: number): number {
  const bits = high !== 0 ? 64 - Math.clz32(high) : 32 - Math.clz32(low)
  return bits === 0 ? 1 : Math.ceil(bits / 7)
}

/**
 * Writes a 64-bit varint given as two unsigned 32-bit words, low word first, 7 bits at a time across the
 * 64 bits as protobuf's LongBits writer does; returns the new offset.
 */
export function writeVarint64(out: Uint8Array, at: number, high: number, low: number): number {
  while (high > 0 || low >= 128) {
    out[at++] = (low & 0x7f) | 0x80
    low = ((low >>> 7) | ((high & 0x7f) << 25)) >>> 0
    high >>>= 7
  }
  out[at++] = low
  return at
}
