import { defaultCrypto } from '@xmtp-lite/common'
import type { Signature } from 'ts-mls/crypto/signature.js'
import { describe, expect, it } from 'vitest'
import { VerifiedSignatures } from './verified.ts'

const secret = new Uint8Array(32).fill(5)
const publicKey = defaultCrypto.ed25519.getPublicKey(secret)
const message = new TextEncoder().encode('KeyPackageTBS')
const signature = defaultCrypto.ed25519.sign(message, secret)

/** A ts-mls signature scheme on defaultCrypto that counts its verifications. */
function counting(): Signature & { calls: number } {
  const scheme = {
    calls: 0,
    async sign(key: Uint8Array, m: Uint8Array) {
      return defaultCrypto.ed25519.sign(m, key)
    },
    async verify(key: Uint8Array, m: Uint8Array, sig: Uint8Array) {
      scheme.calls++
      return defaultCrypto.ed25519.verify(sig, m, key)
    },
    async keygen() {
      throw new Error('unused')
    },
  }
  return scheme
}

describe('VerifiedSignatures', () => {
  it('verifies, and reuses only a success for the very same key, message and signature', async () => {
    const verified = new VerifiedSignatures()
    expect(verified.verify(signature, message, publicKey)).toBe(true)
    const scheme = counting()
    const wrapped = verified.wrap(scheme)
    expect(await wrapped.verify(publicKey.slice(), message.slice(), signature.slice())).toBe(true)
    expect(scheme.calls).toBe(0)
    // Same signature bytes, anything else different: verified again, and rejected.
    const otherMessage = message.slice()
    otherMessage[0] = (otherMessage[0] as number) ^ 1
    expect(await wrapped.verify(publicKey, otherMessage, signature)).toBe(false)
    expect(
      await wrapped.verify(defaultCrypto.ed25519.getPublicKey(new Uint8Array(32)), message, signature),
    ).toBe(false)
    expect(scheme.calls).toBe(2)
    expect(verified.verify(signature, otherMessage, publicKey)).toBe(false)
  })

  it('keeps no failure and is not fooled by arrays changed after a success', async () => {
    const verified = new VerifiedSignatures()
    const bad = signature.slice()
    bad[63] = (bad[63] as number) ^ 0x10
    expect(verified.verify(bad, message, publicKey)).toBe(false)
    expect(verified.verify(bad, message, publicKey)).toBe(false)
    const mutable = message.slice()
    expect(verified.verify(signature, mutable, publicKey)).toBe(true)
    mutable[1] = (mutable[1] as number) ^ 1
    expect(verified.verify(signature, mutable, publicKey)).toBe(false)
    expect(verified.verify(signature, message, publicKey)).toBe(true)
    expect(verified.verify(signature.subarray(1), message, publicKey)).toBe(false)
    expect(verified.verify(signature, message, publicKey.subarray(1))).toBe(false)
  })

  it('records what the wrapped scheme verified for later checks of one operation', async () => {
    const verified = new VerifiedSignatures()
    const scheme = counting()
    const wrapped = verified.wrap(scheme)
    expect(await wrapped.verify(publicKey, message, signature)).toBe(true)
    expect(await wrapped.verify(publicKey, message, signature)).toBe(true)
    expect(scheme.calls).toBe(1)
    expect(await wrapped.sign(secret, message)).toEqual(signature)
  })
})
