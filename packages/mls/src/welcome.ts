/**
 * XMTP's HPKE welcome wrapper (protocol/mls-groups.md §5.2, CURVE25519 only).
 *
 * Base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20-Poly1305, sealed to the recipient key
 * package's init key, `info` = RFC 9420 EncryptContext{label "MLS 1.0 MLS_WELCOME", context empty}, empty
 * aad. One HPKE context, two seals: #0 the MLSMessage(Welcome), stored as TLS `HPKECiphertext{kem_output<V>,
 * ciphertext<V>}` in `data`; #1 the protobuf `WelcomeMetadata{uint64 message_cursor = 1}`, raw ciphertext.
 * @module
 */
import { defaultCrypto } from '@xmtp-lite/common'
import { decodeVarLenData } from 'ts-mls/codec/variableLength.js'
import { MlsError } from './errors.ts'
import { type HpkeBase, type HpkeContext, makeHpkeBase } from './hpke.ts'

/** `0x13 "MLS 1.0 MLS_WELCOME" 0x00` (§5.2, WELCOME_HPKE_LABEL). */
export const welcomeHpkeInfo: Uint8Array = new Uint8Array([
  0x13,
  ...new TextEncoder().encode('MLS 1.0 MLS_WELCOME'),
  0x00,
])

/**
 * The suite on the common crypto provider (node:crypto on Node, noble in the browser), every step
 * synchronous. Through `@hpke/core`, WebCrypto HKDF (a key import and a thread-pool round trip per step)
 * dominated wrapping a large group's welcomes, one per new installation. Checked against `@hpke/core` in
 * welcome.test.ts. Its own instance, so that its `info_hash` cache always holds {@link welcomeHpkeInfo}.
 */
let hpkeBase: HpkeBase | undefined
function hpke(): HpkeBase {
  hpkeBase ??= makeHpkeBase(defaultCrypto)
  return hpkeBase
}

/** The TLS `<V>` length prefix (RFC 9420 §2.1.2, QUIC varint); `n` < 2^30. */
function varLenPrefix(n: number): Uint8Array {
  if (n < 0x40) return Uint8Array.of(n)
  if (n < 0x4000) return Uint8Array.of(0x40 | (n >> 8), n & 0xff)
  return Uint8Array.of(0x80 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
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
  let sender: { enc: Uint8Array; context: HpkeContext }
  try {
    sender = hpke().setupSender(initKey, welcomeHpkeInfo)
  } catch (cause) {
    throw new MlsError('Mls::InvalidArgument', 'the init key is not an X25519 public key', { cause })
  }
  const sealedWelcome = sender.context.seal(welcome)
  const sealedMetadata = sender.context.seal(encodeWelcomeMetadata(messageCursor))
  // HPKECiphertext{kem_output<V>, ciphertext<V>} built in one buffer: a large group's welcome is over
  // 100 KB, wrapped once per new installation.
  const kemPrefix = varLenPrefix(sender.enc.length)
  const ctPrefix = varLenPrefix(sealedWelcome.length)
  const data = new Uint8Array(kemPrefix.length + sender.enc.length + ctPrefix.length + sealedWelcome.length)
  let at = 0
  for (const part of [kemPrefix, sender.enc, ctPrefix, sealedWelcome]) {
    data.set(part, at)
    at += part.length
  }
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
  let recipient: HpkeContext
  try {
    recipient = hpke().setupRecipient(initPrivateKey, kem[0], welcomeHpkeInfo)
  } catch (cause) {
    throw new MlsError('Mls::WelcomeDecryptFailed', 'the welcome wrap cannot be opened with this key', {
      cause,
    })
  }
  let welcome: Uint8Array
  try {
    welcome = recipient.open(ct[0])
  } catch (cause) {
    throw new MlsError('Mls::WelcomeDecryptFailed', 'the welcome wrap does not open with this key', { cause })
  }
  let messageCursor: bigint | undefined
  if (welcomeMetadata.length > 0) {
    try {
      messageCursor = decodeWelcomeMetadata(recipient.open(welcomeMetadata))
    } catch {
      // §5.2: metadata that fails to open or decode is ignored.
      messageCursor = undefined
    }
  }
  return { welcome, messageCursor }
}
