import { defaultCrypto, fromHex, nobleCrypto, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { makeHpkeBase } from './hpke.ts'

// RFC 9180 Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, mode_base.
const v = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  skEm: 'f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600',
  pkEm: '1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a',
  skRm: '8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb',
  pkRm: '4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a',
  sharedSecret: '0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7',
  key: 'ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91',
  baseNonce: '5c4d98150661b848853b547f',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  // sequence numbers 0, 1, 2 with aad "Count-0", "Count-1", "Count-2"
  encryptions: [
    [
      '436f756e742d30',
      '1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28',
    ],
    [
      '436f756e742d31',
      '6b53c051e4199c518de79594e1c4ab18b96f081549d45ce015be002090bb119e85285337cc95ba5f59992dc98c',
    ],
    [
      '436f756e742d32',
      '71146bd6795ccc9c49ce25dda112a48f202ad220559502cef1f34271e0cb4b02b4f10ecac6f48c32f878fae86b',
    ],
  ],
} as const

describe.each([
  ['node:crypto', defaultCrypto],
  ['noble (the browser backend)', nobleCrypto],
])('HPKE base mode on %s (RFC 9180 A.2.1)', (_, crypto) => {
  it('decapsulates and derives the published shared secret, key and base nonce', () => {
    const hpke = makeHpkeBase(crypto)
    const shared = hpke.decap(fromHex(v.skRm), fromHex(v.pkEm))
    expect(toHex(shared)).toBe(v.sharedSecret)
    const schedule = hpke.keySchedule(shared, fromHex(v.info))
    expect(toHex(schedule.key)).toBe(v.key)
    expect(toHex(schedule.baseNonce)).toBe(v.baseNonce)
  })

  it('seals the published ciphertexts for sequence numbers 0, 1, 2 with the published ephemeral key', () => {
    // The ephemeral key of the vector in place of a fresh one (RFC 9180 A.2.1 skEm); everything else is real.
    const fixed = {
      ...crypto,
      x25519: { ...crypto.x25519, generateKeyPair: () => crypto.x25519.keyPair(fromHex(v.skEm)) },
    }
    const { enc, context } = makeHpkeBase(fixed).setupSender(fromHex(v.pkRm), fromHex(v.info))
    expect(toHex(enc)).toBe(v.pkEm)
    for (const [aad, ct] of v.encryptions) expect(toHex(context.seal(fromHex(v.pt), fromHex(aad)))).toBe(ct)
  })

  it('opens the published ciphertexts in sequence and refuses them out of sequence', () => {
    const hpke = makeHpkeBase(crypto)
    const context = hpke.setupRecipient(fromHex(v.skRm), fromHex(v.pkEm), fromHex(v.info))
    for (const [aad, ct] of v.encryptions) expect(toHex(context.open(fromHex(ct), fromHex(aad)))).toBe(v.pt)
    const [aad1, ct1] = v.encryptions[1]
    const fresh = hpke.setupRecipient(fromHex(v.skRm), fromHex(v.pkEm), fromHex(v.info))
    expect(() => fresh.open(fromHex(ct1), fromHex(aad1))).toThrow()
  })

  it('refuses low-order and malformed keys', () => {
    const hpke = makeHpkeBase(crypto)
    expect(() => hpke.setupSender(new Uint8Array(32), fromHex(v.info))).toThrow()
    expect(() => hpke.setupSender(new Uint8Array(31).fill(9), fromHex(v.info))).toThrow()
    expect(() => hpke.setupRecipient(fromHex(v.skRm), new Uint8Array(31), fromHex(v.info))).toThrow()
  })
})
