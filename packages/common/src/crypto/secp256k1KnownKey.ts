/**
 * Verification of secp256k1 recoverable signatures against ONE known public key, without recovering it.
 *
 * Recovery (ecrecover, {@link Secp256k1.recoverPublicKey}) lifts R from `r` and the parity `v`, then computes
 * Q' = r⁻¹(s·R − e·G) — a double-scalar multiplication with a fresh point R every time. When the signer's key
 * Q is known (a node registry), the same verdict is reached by computing P = (e·s⁻¹)·G + (r·s⁻¹)·Q and
 * checking that P is the lifted R: x(P) = r and y(P) has the parity v. Both G and Q are then fixed points,
 * so each gets a one-time table of multiples (wNAF window 8) and every signature costs two table walks with
 * no doublings: about 2.5x faster than recovery in `@noble/curves` (see crypto.bench.ts).
 *
 * Why it is the same verdict: for r, s in [1, n−1], recovery returns Q exactly when s·R = e·G + r·Q, i.e.
 * R = P; R is the point with x = r (v in {0, 1} never adds n to r) and y of parity v; P ≠ ∞ since R is a
 * curve point. Nothing is required of s beyond the range (no low-s rule: ecrecover accepts high s, and so
 * does recovery here). The differential tests in secp256k1KnownKey.test.ts hold the two side by side.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { checkBytes } from './checks.ts'

const { Point } = secp256k1
const Fn = Point.Fn
const windowBits = 8

type NoblePoint = InstanceType<typeof Point>

let generator: NoblePoint | undefined

/** Our own copy of G with a window-8 table (noble's BASE keeps its own, smaller one). */
function base(): NoblePoint {
  generator ??= Point.fromAffine(Point.BASE.toAffine()).precompute(windowBits, false)
  return generator
}

function bigFrom(bytes: Uint8Array, offset: number): bigint {
  let hex = '0x'
  for (let i = offset; i < offset + 32; i++) hex += (bytes[i] as number).toString(16).padStart(2, '0')
  return BigInt(hex)
}

/** A signature check for one public key: true exactly when recovery would return that key. */
export type KnownKeyVerifier = (hash32: Uint8Array, signature65: Uint8Array) => boolean

/**
 * A verifier for signatures by `publicKey` (65-byte uncompressed, or 33-byte compressed): the returned
 * function answers `true` exactly when `recoverPublicKey(hash32, signature65)` would return this key, with
 * the same acceptance of `v` (0, 1, 27, 28) and of r, s (1 ≤ r, s < n, high s allowed). It never throws for
 * a malformed signature: it answers false. Building it costs a table of about 4,000 points (a few ms);
 * keep one per key.
 * @throws {CommonError} `Common::InvalidLength` when the hash is not 32 bytes or the signature not 65 (as
 *   recovery does); noble's error when `publicKey` is not a curve point.
 */
export function secp256k1KnownKeyVerifier(publicKey: Uint8Array): KnownKeyVerifier {
  const q = Point.fromBytes(publicKey).precompute(windowBits, false)
  const g = base()
  return (hash32, signature65) => {
    checkBytes(hash32, 'hash32', 32)
    checkBytes(signature65, 'signature65', 65)
    const v = signature65[64] as number
    const parity = v === 27 || v === 28 ? v - 27 : v
    if (parity !== 0 && parity !== 1) return false
    const r = bigFrom(signature65, 0)
    const s = bigFrom(signature65, 32)
    if (!Fn.isValidNot0(r) || !Fn.isValidNot0(s)) return false
    // e = bits2int_modN(hash): a 32-byte hash is taken mod n (SEC 1 §4.1.4 step 5, as noble does).
    const e = Fn.create(bigFrom(hash32, 0))
    const sInv = Fn.inv(s)
    const p = g.multiplyUnsafe(Fn.mul(e, sInv)).add(q.multiplyUnsafe(Fn.mul(r, sInv)))
    if (p.is0()) return false
    const { x, y } = p.toAffine()
    return x === r && Number(y & 1n) === parity
  }
}
