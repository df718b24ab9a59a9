import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { fromHex, isBaseError, randomBytes, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import {
  decodeWelcomeMetadata,
  encodeWelcomeMetadata,
  unwrapWelcome,
  welcomeHpkeInfo,
  wrapWelcome,
} from './welcome.ts'

// An X25519 key pair (RFC 7748 §6.1, Bob).
const privateKey = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
const publicKey = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')

describe('welcome wrapper', () => {
  it('uses the RFC 9420 EncryptContext bytes for "MLS_WELCOME"', () => {
    expect(toHex(welcomeHpkeInfo)).toBe(`13${toHex(new TextEncoder().encode('MLS 1.0 MLS_WELCOME'))}00`)
  })

  it('wraps and unwraps a welcome and its metadata cursor', async () => {
    const welcome = new Uint8Array(1500).map((_, i) => i & 0xff)
    const wrapped = await wrapWelcome(welcome, publicKey, 123456789012n)
    expect(wrapped.hpkePublicKey).toEqual(publicKey)
    expect(wrapped.data[0]).toBe(32) // kem_output<V>: a 32-byte X25519 encapsulation
    const opened = await unwrapWelcome(wrapped.data, wrapped.welcomeMetadata, privateKey)
    expect(opened.welcome).toEqual(welcome)
    expect(opened.messageCursor).toBe(123456789012n)
  })

  it('skips empty metadata and ignores metadata that does not open', async () => {
    const wrapped = await wrapWelcome(new Uint8Array([1, 2, 3]), publicKey, 5n)
    expect((await unwrapWelcome(wrapped.data, new Uint8Array(), privateKey)).messageCursor).toBeUndefined()
    const bad = wrapped.welcomeMetadata.slice()
    bad[0] = (bad[0] as number) ^ 1
    const opened = await unwrapWelcome(wrapped.data, bad, privateKey)
    expect(opened.welcome).toEqual(new Uint8Array([1, 2, 3]))
    expect(opened.messageCursor).toBeUndefined()
  })

  it('rejects tampered, truncated and mis-keyed wraps with typed errors', async () => {
    const wrapped = await wrapWelcome(new Uint8Array([9, 9, 9]), publicKey, 1n)
    const tampered = wrapped.data.slice()
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1
    const code = async (run: () => Promise<unknown>) => {
      try {
        await run()
        return undefined
      } catch (e) {
        return isBaseError(e) ? e.code : 'untyped'
      }
    }
    expect(await code(() => unwrapWelcome(tampered, new Uint8Array(), privateKey))).toBe(
      'Mls::WelcomeDecryptFailed',
    )
    expect(await code(() => unwrapWelcome(wrapped.data.subarray(0, 20), new Uint8Array(), privateKey))).toBe(
      'Mls::WelcomeMalformed',
    )
    expect(await code(() => unwrapWelcome(new Uint8Array(), new Uint8Array(), privateKey))).toBe(
      'Mls::WelcomeMalformed',
    )
    expect(await code(() => unwrapWelcome(wrapped.data, new Uint8Array(), new Uint8Array(32).fill(7)))).toBe(
      'Mls::WelcomeDecryptFailed',
    )
    expect(await code(() => wrapWelcome(new Uint8Array(1), new Uint8Array(5), 1n))).toBe(
      'Mls::InvalidArgument',
    )
  })

  it('encodes WelcomeMetadata as protobuf field 1 varint', () => {
    expect(toHex(encodeWelcomeMetadata(1n))).toBe('0801')
    expect(toHex(encodeWelcomeMetadata(300n))).toBe('08ac02')
    expect(decodeWelcomeMetadata(fromHex('08ac02'))).toBe(300n)
    expect(decodeWelcomeMetadata(new Uint8Array())).toBe(0n)
    expect(decodeWelcomeMetadata(fromHex('1001'))).toBeUndefined()
  })

  it('interoperates both ways with the pure-JS @hpke ChaCha20-Poly1305 suite (differential)', async () => {
    const reference = new CipherSuite({
      kem: new DhkemX25519HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: new Chacha20Poly1305(),
    })
    const ab = (b: Uint8Array) => b.slice().buffer
    for (const length of [0, 1, 15, 16, 63, 64, 65, 1000, 65536, 65537, 140_000]) {
      const welcome = randomBytes(length)
      // Ours seals, the reference opens.
      const wrapped = await wrapWelcome(welcome, publicKey, BigInt(length + 1))
      const kemLen = wrapped.data[0] as number
      const recipient = await reference.createRecipientContext({
        recipientKey: await reference.kem.deserializePrivateKey(ab(privateKey)),
        enc: ab(wrapped.data.subarray(1, 1 + kemLen)),
        info: ab(welcomeHpkeInfo),
      })
      const ctStart = 1 + kemLen
      // varint length prefix of ciphertext<V> (RFC 9000 §16 style, as in ts-mls).
      const first = wrapped.data[ctStart] as number
      const prefix = 1 << (first >> 6)
      const opened = new Uint8Array(await recipient.open(ab(wrapped.data.subarray(ctStart + prefix))))
      expect(opened).toEqual(welcome)
      expect(decodeWelcomeMetadata(new Uint8Array(await recipient.open(ab(wrapped.welcomeMetadata))))).toBe(
        BigInt(length + 1),
      )
      // The reference seals, ours opens; a flipped tag bit is refused by both.
      const sender = await reference.createSenderContext({
        recipientPublicKey: await reference.kem.deserializePublicKey(ab(publicKey)),
        info: ab(welcomeHpkeInfo),
      })
      const sealed = new Uint8Array(await sender.seal(ab(welcome)))
      const enc = new Uint8Array(sender.enc)
      const data = new Uint8Array([32, ...enc, ...tlsVarLen(sealed.length), ...sealed])
      expect((await unwrapWelcome(data, new Uint8Array(), privateKey)).welcome).toEqual(welcome)
      data[data.length - 1] = (data[data.length - 1] as number) ^ 0x01
      await expect(unwrapWelcome(data, new Uint8Array(), privateKey)).rejects.toSatisfy(
        (e) => isBaseError(e) && e.code === 'Mls::WelcomeDecryptFailed',
      )
    }
  }, 60_000)
})

/** The QUIC-style variable-length integer prefix of an RFC 9420 `<V>` vector. */
function tlsVarLen(n: number): number[] {
  if (n < 0x40) return [n]
  if (n < 0x4000) return [0x40 | (n >> 8), n & 0xff]
  return [0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]
}
