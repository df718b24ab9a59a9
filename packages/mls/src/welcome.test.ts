import { fromHex, isBaseError, toHex } from '@xmtp-lite/common'
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
})
