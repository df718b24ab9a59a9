/**
 * The per-envelope signature check of replication, shared by the puller's thread (`checkBatch`) and the
 * verification workers (verifyWorker.ts): does the originator signature over `originator|` ‖ the exact
 * unsigned bytes (protocol/xmtpd-network.md §1.4) recover to the originator's registry key?
 *
 * It answers only "yes, `verifyOriginatorEnvelope` accepts this signature" or "not known to": a `false` is
 * always re-checked by `verifyOriginatorEnvelope`, which names the failure (or accepts), so the verdicts and
 * error codes stay those of the recovering verifier whichever path answered.
 *
 * Kept free of node-lite's other modules so that a worker loads only common and envelopes.
 * @module
 */
import { equalBytes, type KnownKeyVerifier, secp256k1KnownKeyVerifier } from '@xmtp-lite/common'
import { type EnvelopeCrypto, originatorSignatureHash, recoverSigner } from '@xmtp-lite/envelopes'

/** One fixed-base verifier per registry key (a table of ~4,000 points each, built on first use). */
const knownKeyVerifiers = new Map<string, KnownKeyVerifier | null>()

function verifierFor(key: Uint8Array): KnownKeyVerifier | undefined {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
  let verifier = knownKeyVerifiers.get(id)
  if (verifier === undefined) {
    try {
      verifier = secp256k1KnownKeyVerifier(key)
    } catch {
      verifier = null
    }
    knownKeyVerifiers.set(id, verifier)
  }
  return verifier ?? undefined
}

/** True when the provider's secp256k1 recovery runs on libsecp256k1 (common's node provider). */
export function recoversNatively(crypto: EnvelopeCrypto): boolean {
  const native = (crypto as { readonly nativeBackends?: readonly string[] }).nativeBackends
  return native?.includes('libsecp256k1') === true
}

/**
 * True when `signature` is a valid originator signature over `unsignedBytes` by `key` (65-byte
 * uncompressed), exactly as `verifyOriginatorEnvelope` decides it; false when it is not or may not be.
 *
 * With libsecp256k1 (common's node provider): recovery, as `verifyOriginatorEnvelope` does it. Without
 * (noble: browsers, no prebuilt binary): `secp256k1KnownKeyVerifier`, which answers "would recovery return
 * this key?" without recovering (about 2.5x faster than noble's recovery); v must be 0 or 1 either way.
 */
export function originatorSignatureMatches(
  crypto: EnvelopeCrypto,
  key: Uint8Array,
  unsignedBytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (key.length !== 65 || key[0] !== 4) return false
  if (signature.length !== 65 || (signature[64] !== 0 && signature[64] !== 1)) return false
  const hash = originatorSignatureHash(crypto, unsignedBytes)
  if (recoversNatively(crypto)) {
    try {
      return equalBytes(recoverSigner(crypto, hash, signature), key)
    } catch {
      return false
    }
  }
  const verify = verifierFor(key)
  return verify?.(hash, signature) === true
}
