import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { defaultCrypto, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { makeXmtpSuite } from './provider.ts'
import { tsMlsDefaultSuite } from './suite.ts'

const ours = makeXmtpSuite()
const oracle = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
})
const ab = (b: Uint8Array) => b.slice().buffer

describe('our suite 0x0003 provider', () => {
  it('derives the same HPKE key pairs as @hpke/core (RFC 9180 DeriveKeyPair)', async () => {
    const ikm = new Uint8Array(32).map((_, i) => i * 7)
    const mine = await ours.hpke.deriveKeyPair(ikm)
    const theirs = await oracle.kem.deriveKeyPair(ab(ikm))
    expect(toHex(await ours.hpke.exportPublicKey(mine.publicKey))).toBe(
      toHex(new Uint8Array(await oracle.kem.serializePublicKey(theirs.publicKey))),
    )
    expect(toHex(await ours.hpke.exportPrivateKey(mine.privateKey))).toBe(
      toHex(new Uint8Array(await oracle.kem.serializePrivateKey(theirs.privateKey))),
    )
  })

  it('seals what @hpke/core opens and opens what it seals (base mode, info and aad)', async () => {
    const pair = await oracle.kem.deriveKeyPair(ab(new Uint8Array(32).fill(9)))
    const pub = new Uint8Array(await oracle.kem.serializePublicKey(pair.publicKey))
    const priv = new Uint8Array(await oracle.kem.serializePrivateKey(pair.privateKey))
    const info = new TextEncoder().encode('info')
    const aad = new Uint8Array([1, 2])
    const plaintext = new TextEncoder().encode('path secret')
    const sealed = await ours.hpke.seal(await ours.hpke.importPublicKey(pub), plaintext, info, aad)
    const opened = await oracle.open(
      { recipientKey: pair.privateKey, enc: ab(sealed.enc), info: ab(info) },
      ab(sealed.ct),
      ab(aad),
    )
    expect(new Uint8Array(opened)).toEqual(plaintext)
    const theirs = await oracle.seal(
      { recipientPublicKey: pair.publicKey, info: ab(info) },
      ab(plaintext),
      ab(aad),
    )
    const mine = await ours.hpke.open(
      await ours.hpke.importPrivateKey(priv),
      new Uint8Array(theirs.enc),
      new Uint8Array(theirs.ct),
      info,
      aad,
    )
    expect(mine).toEqual(plaintext)
    await expect(
      ours.hpke.open(
        await ours.hpke.importPrivateKey(priv),
        new Uint8Array(theirs.enc),
        new Uint8Array(theirs.ct),
        info,
      ),
    ).rejects.toThrow()
  })

  it('seals to many recipients under alternating infos that @hpke/core opens (info_hash reuse)', async () => {
    // The suite keeps the info_hash of the last info: same bytes in a new array hit, any change misses.
    const big = new Uint8Array(100_000).map((_, i) => i * 31)
    const changed = big.slice()
    changed[99_999] = (changed[99_999] as number) ^ 1
    const unaligned = new Uint8Array(big.length + 1).subarray(1)
    unaligned.set(big)
    const infos = [big, big.slice(), changed, unaligned, new Uint8Array(), big.subarray(0, 99_999), big]
    const pair = await oracle.kem.deriveKeyPair(ab(new Uint8Array(32).fill(11)))
    const pub = await ours.hpke.importPublicKey(
      new Uint8Array(await oracle.kem.serializePublicKey(pair.publicKey)),
    )
    for (const [i, info] of infos.entries()) {
      const plaintext = new Uint8Array([i])
      const sealed = await ours.hpke.seal(pub, plaintext, info)
      const opened = await oracle.open(
        { recipientKey: pair.privateKey, enc: ab(sealed.enc), info: ab(info) },
        ab(sealed.ct),
      )
      expect(new Uint8Array(opened)).toEqual(plaintext)
      const other = infos[(i + 2) % infos.length] as Uint8Array
      if (toHex(other) !== toHex(info)) {
        await expect(
          oracle.open({ recipientKey: pair.privateKey, enc: ab(sealed.enc), info: ab(other) }, ab(sealed.ct)),
        ).rejects.toThrow()
      }
    }
  })

  it('signs with the key bytes of each call, also when a key array is changed in place', async () => {
    const key = new Uint8Array(32).fill(1)
    const message = new Uint8Array([1, 2, 3])
    const first = await ours.signature.sign(key, message)
    expect(await ours.signature.sign(key, message)).toEqual(first)
    key[0] = 2
    const second = await ours.signature.sign(key, message)
    expect(second).not.toEqual(first)
    expect(second).toEqual(defaultCrypto.ed25519.sign(message, key))
    expect(await ours.signature.verify(defaultCrypto.ed25519.getPublicKey(key), message, second)).toBe(true)
  })

  it('exports the same HPKE secret as @hpke/core', async () => {
    const pair = await oracle.kem.deriveKeyPair(ab(new Uint8Array(32).fill(4)))
    const priv = new Uint8Array(await oracle.kem.serializePrivateKey(pair.privateKey))
    const ctx = await oracle.createSenderContext({
      recipientPublicKey: pair.publicKey,
      info: ab(new Uint8Array([5])),
    })
    const expected = new Uint8Array(await ctx.export(ab(new Uint8Array([6])), 32))
    const got = await ours.hpke.importSecret(
      await ours.hpke.importPrivateKey(priv),
      new Uint8Array([6]),
      new Uint8Array(ctx.enc),
      32,
      new Uint8Array([5]),
    )
    expect(got).toEqual(expected)
  })

  it('agrees with the ts-mls default provider on hash, MAC, KDF and signatures', async () => {
    const base = await tsMlsDefaultSuite()
    const data = new Uint8Array(100).map((_, i) => i)
    const key = new Uint8Array(32).fill(3)
    expect(await ours.hash.digest(data)).toEqual(await base.hash.digest(data))
    expect(await ours.hash.mac(key, data)).toEqual(await base.hash.mac(key, data))
    expect(await ours.hash.verifyMac(key, await base.hash.mac(key, data), data)).toBe(true)
    expect(await ours.hash.verifyMac(key, new Uint8Array(32), data)).toBe(false)
    const prk = await ours.kdf.extract(key, data)
    expect(prk).toEqual(await base.kdf.extract(key, data))
    expect(await ours.kdf.expand(prk, data, 42)).toEqual(await base.kdf.expand(prk, data, 42))
    const { signKey, publicKey } = await ours.signature.keygen()
    const sig = await ours.signature.sign(signKey, data)
    expect(await base.signature.verify(publicKey, data, sig)).toBe(true)
    expect(await base.signature.sign(signKey, data)).toEqual(sig)
    expect(await ours.signature.verify(publicKey, data.subarray(1), sig)).toBe(false)
    expect(await ours.signature.verify(new Uint8Array(5), data, sig)).toBe(false)
    const aeadKey = new Uint8Array(32).fill(1)
    const nonce = new Uint8Array(12).fill(2)
    const ct = await ours.hpke.encryptAead(aeadKey, nonce, undefined, data)
    expect(ct).toEqual(await base.hpke.encryptAead(aeadKey, nonce, undefined, data))
    expect(await ours.hpke.decryptAead(aeadKey, nonce, undefined, ct)).toEqual(data)
  })
})
