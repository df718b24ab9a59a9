import { defaultCrypto, nobleCrypto } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { devnetNodeId, devnetPrivateKey, devnetPublicKey } from './keys.ts'

describe('devnet keys', () => {
  it("devnetPublicKey (OpenSSL's ECDH) is the key noble and the node provider derive", () => {
    for (let index = 0; index < 20; index++) {
      const id = devnetNodeId(index)
      const key = devnetPublicKey(id)
      expect(key).toBeInstanceOf(Uint8Array)
      expect(key.length).toBe(65)
      expect(key).toEqual(nobleCrypto.secp256k1.getPublicKey(devnetPrivateKey(id)))
      expect(key).toEqual(defaultCrypto.secp256k1.getPublicKey(devnetPrivateKey(id)))
    }
    // Distinct per node (400 is the hostile scenario's rogue node).
    expect(
      new Set([100, 200, 300, 400].map((id) => Buffer.from(devnetPublicKey(id)).toString('hex'))).size,
    ).toBe(4)
  })
})
