/**
 * Ed25519 verdicts shared by the checks of one operation. Adding key packages verifies each of them twice:
 * once in our validator (libxmtp's `VerifiedKeyPackageV2` rules, validation.ts) and once more inside
 * ts-mls (RFC 9420 §12.2 Add validation). Both verifications stay; the second one finds the verdict of the
 * first for the very same (key, message, signature) bytes instead of running OpenSSL again.
 *
 * Only successes are kept, only for the lifetime of one operation, and a hit needs byte equality of all
 * three inputs (Ed25519 verification is a deterministic function of them, RFC 8032 §5.1.7).
 * @module
 */
import { defaultCrypto, equalBytes } from '@xmtp-lite/common'
import type { Signature } from 'ts-mls/crypto/signature.js'

interface Verified {
  readonly publicKey: Uint8Array
  readonly message: Uint8Array
}

function idOf(signature: Uint8Array): string {
  return String.fromCharCode(...signature)
}

/** The signatures that verified within one operation (one commit being built). */
export class VerifiedSignatures {
  readonly #verified = new Map<string, Verified>()

  /** Whether this exact (signature, message, key) verified before. */
  #known(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    const known = this.#verified.get(idOf(signature))
    return known !== undefined && equalBytes(known.publicKey, publicKey) && equalBytes(known.message, message)
  }

  #remember(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): void {
    // Copies: a caller changing its arrays afterwards cannot turn this entry into a false success.
    this.#verified.set(idOf(signature), { publicKey: publicKey.slice(), message: message.slice() })
  }

  /** Ed25519 verification (`defaultCrypto`) of `signature` over `message`, reusing an earlier success. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    if (publicKey.length !== 32 || signature.length !== 64) return false
    if (this.#known(signature, message, publicKey)) return true
    let ok: boolean
    try {
      ok = defaultCrypto.ed25519.verify(signature, message, publicKey)
    } catch {
      return false
    }
    if (ok) this.#remember(signature, message, publicKey)
    return ok
  }

  /** `scheme` (a ts-mls suite's signature scheme) with `verify` reusing the successes recorded here. */
  wrap(scheme: Signature): Signature {
    return {
      sign: (signKey, message) => scheme.sign(signKey, message),
      verify: async (publicKey, message, signature) => {
        if (this.#known(signature, message, publicKey)) return true
        const ok = await scheme.verify(publicKey, message, signature)
        if (ok) this.#remember(signature, message, publicKey)
        return ok
      },
      keygen: () => scheme.keygen(),
    }
  }
}
