/**
 * 64-bit integers.
 *
 * Nanosecond timestamps (~1.7e18) and sequence ids exceed 2^53, so every `int64`, `uint64`, `sint64`,
 * `fixed64` and `sfixed64` field of the generated code is a `Long` (the `long` package): decoding never
 * rounds. These helpers convert between `Long` and `bigint` at the edges of the code that uses them.
 * @module
 */
import Long from 'long'
import { ProtoError } from './errors.ts'

const maxUint64 = (1n << 64n) - 1n
const minInt64 = -(1n << 63n)

/**
 * The exact value of a 64-bit field as a `bigint`. `Long` keeps its signedness (a `uint64` field decodes to
 * an unsigned Long); a `number` must be a safe integer, since a larger one has already lost precision.
 * @example
 * toBigInt(xmtp.mls.api.v1.GroupMessage.V1.decode(bytes).createdNs) // 1732550400123456789n
 */
export function toBigInt(value: number | Long | bigint): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new ProtoError('Proto::InvalidInput', 'a 64-bit value given as a number must be a safe integer', {
        details: String(value),
      })
    }
    return BigInt(value)
  }
  // hi:lo as two 32-bit halves; BigInt.asUintN/asIntN apply the signedness of the Long.
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0)
  return value.unsigned ? bits : BigInt.asIntN(64, bits)
}

/**
 * A `Long` for a 64-bit field. Non-negative values give an unsigned Long (right for the `uint64` fields,
 * which are nearly all of XMTP's); negative values give a signed one. Throws `Proto::InvalidInput` outside
 * [-2^63, 2^64 - 1] or for a number that is not a safe integer.
 * @example
 * xmtp.mls.api.v1.PagingInfo.encode({ idCursor: toLong(42n) })
 */
export function toLong(value: bigint | number): Long {
  const big = toBigInt(value)
  if (big > maxUint64 || big < minInt64) {
    throw new ProtoError('Proto::InvalidInput', 'value does not fit in 64 bits', { details: String(big) })
  }
  const unsigned = big >= 0n
  const bits = BigInt.asUintN(64, big)
  return Long.fromBits(Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0, unsigned)
}

export { Long }
