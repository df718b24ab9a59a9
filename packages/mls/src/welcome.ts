/**
 * XMTP's HPKE welcome wrapper (protocol/mls-groups.md §5.2, CURVE25519 only).
 *
 * Base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20-Poly1305, sealed to the recipient key
 * package's init key, `info` = RFC 9420 EncryptContext{label "MLS 1.0 MLS_WELCOME", context empty}, empty
 * aad. One HPKE context, two seals: #0 the MLSMessage(Welcome), stored as TLS `HPKECiphertext{kem_output<V>,
 * ciphertext<V>}` in `data`; #1 the protobuf `WelcomeMetadata{uint64 message_cursor = 1}`, raw ciphertext.
 * @module
 */
import type { AeadEncryptionContext, AeadInterface } from '@hpke/core'
import { AeadId, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { concatBytes, defaultCrypto } from '@xmtp-lite/common'
import { encode } from 'ts-mls/codec/tlsEncoder.js'
import { decodeVarLenData, varLenDataEncoder } from 'ts-mls/codec/variableLength.js'
import { MlsError } from './errors.ts'

/** `0x13 "MLS 1.0 MLS_WELCOME" 0x00` (§5.2, WELCOME_HPKE_LABEL). */
export const welcomeHpkeInfo: Uint8Array = new Uint8Array([
  0x13,
  ...new TextEncoder().encode('MLS 1.0 MLS_WELCOME'),
  0x00,
])

function bytesOf(b: ArrayBufferLike | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b)
}

/**
 * ChaCha20-Poly1305 (RFC 8439, HPKE AEAD 0x0003) through the common crypto provider: node:crypto on Node,
 * noble in the browser. The pure-JS AEAD of `@hpke/chacha20poly1305` dominated wrapping a large group's
 * welcomes (one ~136 KB seal per new member).
 */
const providerChacha: AeadInterface = {
  id: AeadId.Chacha20Poly1305,
  keySize: 32,
  nonceSize: 12,
  tagSize: 16,
  createEncryptionContext(key: ArrayBufferLike | ArrayBufferView): AeadEncryptionContext {
    const k = bytesOf(key).slice()
    return {
      async seal(iv, data, aad) {
        const out = defaultCrypto.chacha20poly1305.encrypt(k, bytesOf(iv), bytesOf(data), bytesOf(aad))
        return toArrayBuffer(out)
      },
      async open(iv, data, aad) {
        const out = defaultCrypto.chacha20poly1305.decrypt(k, bytesOf(iv), bytesOf(data), bytesOf(aad))
        return toArrayBuffer(out)
      },
    }
  },
}

let hpkeSuite: CipherSuite | undefined
function suite(): CipherSuite {
  hpkeSuite ??= new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: providerChacha,
  })
  return hpkeSuite
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer
}

/** `WelcomeMetadata { uint64 message_cursor = 1 }` (§5.5), hand-encoded protobuf. */
export function encodeWelcomeMetadata(messageCursor: bigint): Uint8Array {
  const out: number[] = []
  if (messageCursor > 0n) {
    out.push(0x08)
    let v = BigInt.asUintN(64, messageCursor)
    while (v > 0x7fn) {
      out.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    out.push(Number(v))
  }
  return new Uint8Array(out)
}

/** The cursor of a `WelcomeMetadata`, or `undefined` when it does not decode (libxmtp ignores it then). */
export function decodeWelcomeMetadata(bytes: Uint8Array): bigint | undefined {
  let offset = 0
  let cursor = 0n
  while (offset < bytes.length) {
    const key = bytes[offset++] as number
    if (key === 0x08) {
      let value = 0n
      let shift = 0n
      for (;;) {
        if (offset >= bytes.length || shift > 63n) return undefined
        const b = bytes[offset++] as number
        value |= BigInt(b & 0x7f) << shift
        shift += 7n
        if ((b & 0x80) === 0) break
      }
      cursor = BigInt.asUintN(64, value)
    } else {
      return undefined
    }
  }
  return cursor
}

/** A welcome wrapped for one installation: the fields of `WelcomeMessageInput.V1` (§5.5). */
export interface WrappedWelcome {
  /** TLS `HPKECiphertext` of the MLSMessage(Welcome). */
  readonly data: Uint8Array
  /** The sealed `WelcomeMetadata` (seal #1 of the same context). */
  readonly welcomeMetadata: Uint8Array
  /** The key the wrap used: the recipient's init key. */
  readonly hpkePublicKey: Uint8Array
  /** `WelcomeWrapperAlgorithm.CURVE25519` = 1. */
  readonly wrapperAlgorithm: 1
}

/**
 * Wraps MLSMessage(Welcome) bytes for the installation whose key package has `initKey`.
 * @throws {MlsError} `Mls::InvalidArgument` on an init key that is not an X25519 public key.
 */
export async function wrapWelcome(
  welcome: Uint8Array,
  initKey: Uint8Array,
  messageCursor: bigint,
): Promise<WrappedWelcome> {
  const s = suite()
  let recipientPublicKey: CryptoKey
  try {
    recipientPublicKey = await s.kem.deserializePublicKey(toArrayBuffer(initKey))
  } catch (cause) {
    throw new MlsError('Mls::InvalidArgument', 'the init key is not an X25519 public key', { cause })
  }
  const sender = await s.createSenderContext({ recipientPublicKey, info: toArrayBuffer(welcomeHpkeInfo) })
  const sealedWelcome = new Uint8Array(await sender.seal(toArrayBuffer(welcome)))
  const sealedMetadata = new Uint8Array(
    await sender.seal(toArrayBuffer(encodeWelcomeMetadata(messageCursor))),
  )
  const kemOutput = new Uint8Array(sender.enc)
  // One copy, not an array spread: a large group's welcome is over 100 KB, wrapped once per new member.
  const data = concatBytes(encode(varLenDataEncoder)(kemOutput), encode(varLenDataEncoder)(sealedWelcome))
  return { data, welcomeMetadata: sealedMetadata, hpkePublicKey: initKey, wrapperAlgorithm: 1 }
}

/** What {@link unwrapWelcome} gives back. */
export interface UnwrappedWelcome {
  /** MLSMessage(Welcome) bytes. */
  readonly welcome: Uint8Array
  /** `WelcomeMetadata.message_cursor`, when the metadata was present and decoded. */
  readonly messageCursor: bigint | undefined
}

/**
 * Opens a CURVE25519 welcome wrap with the key package's init private key.
 * @throws {MlsError} `Mls::WelcomeMalformed` when `data` is not a TLS HPKECiphertext;
 * `Mls::WelcomeDecryptFailed` when it does not open with this key.
 */
export async function unwrapWelcome(
  data: Uint8Array,
  welcomeMetadata: Uint8Array,
  initPrivateKey: Uint8Array,
): Promise<UnwrappedWelcome> {
  // ts-mls decoders return [value, bytes consumed] and throw CodecError past the end.
  let kem: [Uint8Array, number] | undefined
  let ct: [Uint8Array, number] | undefined
  try {
    kem = decodeVarLenData(data, 0)
    ct = kem === undefined ? undefined : decodeVarLenData(data, kem[1])
  } catch (cause) {
    throw new MlsError('Mls::WelcomeMalformed', 'the wrapped welcome is not a TLS HPKECiphertext', { cause })
  }
  if (kem === undefined || ct === undefined || kem[1] + ct[1] !== data.length) {
    throw new MlsError('Mls::WelcomeMalformed', 'the wrapped welcome is not a TLS HPKECiphertext')
  }
  const s = suite()
  let recipient: Awaited<ReturnType<CipherSuite['createRecipientContext']>>
  try {
    const recipientKey = await s.kem.deserializePrivateKey(toArrayBuffer(initPrivateKey))
    recipient = await s.createRecipientContext({
      recipientKey,
      enc: toArrayBuffer(kem[0]),
      info: toArrayBuffer(welcomeHpkeInfo),
    })
  } catch (cause) {
    throw new MlsError('Mls::WelcomeDecryptFailed', 'the welcome wrap cannot be opened with this key', {
      cause,
    })
  }
  let welcome: Uint8Array
  try {
    welcome = new Uint8Array(await recipient.open(toArrayBuffer(ct[0])))
  } catch (cause) {
    throw new MlsError('Mls::WelcomeDecryptFailed', 'the welcome wrap does not open with this key', { cause })
  }
  let messageCursor: bigint | undefined
  if (welcomeMetadata.length > 0) {
    try {
      messageCursor = decodeWelcomeMetadata(
        new Uint8Array(await recipient.open(toArrayBuffer(welcomeMetadata))),
      )
    } catch {
      // §5.2: metadata that fails to open or decode is ignored.
      messageCursor = undefined
    }
  }
  return { welcome, messageCursor }
}
