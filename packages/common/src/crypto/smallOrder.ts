/**
 * Small-order Ed25519 points, for callers that must verify like ed25519-dalek's `verify_strict`.
 *
 * The provider's `verify` follows OpenSSL and dalek's plain `verify` (see noble.ts), which accept a
 * small-order public key A or nonce point R: with A = R = identity and S = 0 any message verifies. OpenMLS
 * (openmls_rust_crypto `verify_signature`) uses `verify_strict`, which additionally refuses a signature when
 * A or R decodes to a point of small order. MLS code that must reach the same verdicts as OpenMLS checks
 * both encodings with {@link isSmallOrderEd25519Point} before calling `verify`.
 * @module
 */
import { fromHex } from '../bytes.ts'
import { checkBytes } from './checks.ts'

/**
 * Every 32-byte string that decodes (y taken mod p, as OpenSSL, dalek and the provider do) to one of the
 * eight points of order dividing 8: the canonical encodings of the torsion subgroup, each with the sign bit
 * flipped where that still decodes (x = 0 ignores it, x != 0 gives the negated point, also small order),
 * and the non-canonical y = p and y = p + 1 (which reduce to y = 0 and y = 1). ed25519Rule.test.ts derives
 * the same set from noble's torsion points.
 */
const smallOrderEncodings: ReadonlySet<string> = new Set(
  [
    // y = 1: the identity (x = 0; the sign bit is ignored).
    '0100000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000080',
    // y = p - 1: (0, -1), order 2.
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    // y = 0: (+-sqrt(-1), 0), order 4.
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000000000000080',
    // The four points of order 8.
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    // Non-canonical y = p (reduces to 0) and y = p + 1 (reduces to 1).
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  ].map((hex) => String.fromCharCode(...fromHex(hex))),
)

/**
 * True when the 32-byte Ed25519 point encoding decodes to a point of small order (order 1, 2, 4 or 8),
 * under any encoding, canonical or not. Constant work; the input is public.
 * @example
 * // Refuse what OpenMLS's verify_strict refuses, then verify:
 * const strictOk =
 *   !isSmallOrderEd25519Point(publicKey) &&
 *   !isSmallOrderEd25519Point(signature.subarray(0, 32)) &&
 *   defaultCrypto.ed25519.verify(signature, message, publicKey)
 * @throws {CommonError} `Common::InvalidLength` unless `encoded` is 32 bytes.
 */
export function isSmallOrderEd25519Point(encoded: Uint8Array): boolean {
  checkBytes(encoded, 'encoded', 32)
  return smallOrderEncodings.has(String.fromCharCode(...encoded))
}
