/**
 * The crypto a remote attachment needs (SHA-256, HKDF-SHA256, AES-256-GCM, random bytes) behind a small
 * interface. The default is `defaultCrypto` of `@xmtp-lite/common` (synchronous: node:crypto where present,
 * `@noble/*` elsewhere); {@link webCryptoAttachmentCrypto} is an alternative on the platform's WebCrypto.
 * @module
 */
import { ContentTypeError } from '../errors.ts'

/** An AEAD returning / taking `ciphertext || 16-byte tag`. */
export interface AttachmentAead {
  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array | Promise<Uint8Array>
  decrypt(key: Uint8Array, nonce: Uint8Array, ciphertextWithTag: Uint8Array): Uint8Array | Promise<Uint8Array>
}

/** The primitives of the remote attachment scheme; sync or async implementations both fit. */
export interface AttachmentCrypto {
  randomBytes(length: number): Uint8Array
  sha256(data: Uint8Array): Uint8Array | Promise<Uint8Array>
  hkdfSha256(
    ikm: Uint8Array,
    salt: Uint8Array,
    info: Uint8Array,
    length: number,
  ): Uint8Array | Promise<Uint8Array>
  readonly aesGcm: AttachmentAead
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (s === undefined) {
    throw new ContentTypeError(
      'ContentType::InvalidContent',
      'this runtime has no WebCrypto; pass a crypto provider',
    )
  }
  return s
}

const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>

/** {@link AttachmentCrypto} on WebCrypto (`globalThis.crypto`). */
export const webCryptoAttachmentCrypto: AttachmentCrypto = {
  randomBytes(length) {
    const out = new Uint8Array(length)
    // getRandomValues fills at most 65,536 bytes per call.
    for (let i = 0; i < length; i += 65_536) globalThis.crypto.getRandomValues(out.subarray(i, i + 65_536))
    return out
  },
  async sha256(data) {
    return new Uint8Array(await subtle().digest('SHA-256', buf(data)))
  },
  async hkdfSha256(ikm, salt, info, length) {
    const key = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits'])
    const bits = await subtle().deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(info) },
      key,
      length * 8,
    )
    return new Uint8Array(bits)
  },
  aesGcm: {
    async encrypt(key, nonce, plaintext) {
      const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['encrypt'])
      return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: buf(nonce) }, k, buf(plaintext)))
    },
    async decrypt(key, nonce, ciphertextWithTag) {
      const k = await subtle().importKey('raw', buf(key), 'AES-GCM', false, ['decrypt'])
      return new Uint8Array(
        await subtle().decrypt({ name: 'AES-GCM', iv: buf(nonce) }, k, buf(ciphertextWithTag)),
      )
    },
  },
}
