/**
 * The remote attachment encryption scheme (mls-groups.md §6.3 "Remote attachment encryption"; libxmtp
 * encryption.rs):
 * - plaintext = the protobuf `EncodedContent` (an Attachment's, for the standard flow);
 * - key = HKDF-SHA256(salt = 32 random bytes, IKM = 32-byte secret, info = empty, length 32);
 * - AES-256-GCM with a 12-byte nonce and no AAD; payload = ciphertext || 16-byte tag;
 * - `contentDigest` = lowercase hex SHA-256 of the payload, checked before decrypting.
 * @module
 */
import { defaultCrypto, toHex } from '@xmtp-lite/common'
import { type Attachment, AttachmentCodec } from '../attachment/attachment.ts'
import type { EncodedContent } from '../codec.ts'
import { decodeEncodedContent, encodeEncodedContent } from '../encodedContent.ts'
import { ContentTypeError } from '../errors.ts'
import type { AttachmentCrypto } from './webCrypto.ts'

export const SECRET_BYTES = 32
export const SALT_BYTES = 32
export const NONCE_BYTES = 12
const TAG_BYTES = 16
const emptyInfo = new Uint8Array(0)

/** The result of encrypting: upload `payload`, send the rest in a `RemoteAttachment`. */
export interface EncryptedContent {
  payload: Uint8Array
  contentDigest: string
  secret: Uint8Array
  salt: Uint8Array
  nonce: Uint8Array
  /** `payload.length`. */
  contentLength: number
}

/** Options of the encrypt functions. Fixed `secret`/`salt`/`nonce` are for vectors and tests only. */
export interface EncryptOptions {
  /** Default: `defaultCrypto` of `@xmtp-lite/common` (node:crypto, or noble where it is missing). */
  readonly crypto?: AttachmentCrypto
  readonly secret?: Uint8Array
  readonly salt?: Uint8Array
  readonly nonce?: Uint8Array
}

/** The key material of a remote attachment (a `RemoteAttachment` fits). */
export interface RemoteKeyMaterial {
  readonly contentDigest: string
  readonly secret: Uint8Array
  readonly salt: Uint8Array
  readonly nonce: Uint8Array
}

/** Options of the decrypt functions. */
export interface DecryptOptions {
  readonly crypto?: AttachmentCrypto
}

function checkLength(value: Uint8Array | undefined, length: number, name: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new ContentTypeError('ContentType::InvalidParameter', `${name} must be ${length} bytes`)
  }
}

/** Encrypts any `EncodedContent` for remote storage. */
export async function encryptEncodedContent(
  encoded: EncodedContent,
  options: EncryptOptions = {},
): Promise<EncryptedContent> {
  const crypto = options.crypto ?? defaultCrypto
  const secret = options.secret ?? crypto.randomBytes(SECRET_BYTES)
  const salt = options.salt ?? crypto.randomBytes(SALT_BYTES)
  const nonce = options.nonce ?? crypto.randomBytes(NONCE_BYTES)
  checkLength(secret, SECRET_BYTES, 'secret')
  checkLength(salt, SALT_BYTES, 'salt')
  checkLength(nonce, NONCE_BYTES, 'nonce')
  const key = await crypto.hkdfSha256(secret, salt, emptyInfo, 32)
  const payload = await crypto.aesGcm.encrypt(key, nonce, encodeEncodedContent(encoded))
  const contentDigest = toHex(await crypto.sha256(payload))
  return { payload, contentDigest, secret, salt, nonce, contentLength: payload.length }
}

/** Encrypts an attachment (the standard remote attachment flow). */
export async function encryptAttachment(
  attachment: Attachment,
  options: EncryptOptions = {},
): Promise<EncryptedContent> {
  return encryptEncodedContent(new AttachmentCodec().encode(attachment), options)
}

/**
 * Verifies the digest, then decrypts and parses the `EncodedContent`.
 * @throws {ContentTypeError} `DigestMismatch` (checked first), `InvalidParameter` (key material
 * lengths), `DecryptionFailed` (wrong secret, salt or nonce, or tampering), `MalformedProtobuf`.
 */
export async function decryptEncodedContent(
  payload: Uint8Array,
  remote: RemoteKeyMaterial,
  options: DecryptOptions = {},
): Promise<EncodedContent> {
  const crypto = options.crypto ?? defaultCrypto
  const digest = toHex(await crypto.sha256(payload))
  if (digest !== String(remote.contentDigest).toLowerCase()) {
    throw new ContentTypeError('ContentType::DigestMismatch', 'the payload does not match contentDigest')
  }
  checkLength(remote.secret, SECRET_BYTES, 'secret')
  checkLength(remote.salt, SALT_BYTES, 'salt')
  checkLength(remote.nonce, NONCE_BYTES, 'nonce')
  if (payload.length < TAG_BYTES) {
    throw new ContentTypeError('ContentType::DecryptionFailed', 'the payload is shorter than an AES-GCM tag')
  }
  const key = await crypto.hkdfSha256(remote.secret, remote.salt, emptyInfo, 32)
  let plaintext: Uint8Array
  try {
    plaintext = await crypto.aesGcm.decrypt(key, remote.nonce, payload)
  } catch (error) {
    throw new ContentTypeError('ContentType::DecryptionFailed', 'the payload does not decrypt', {
      cause: error,
    })
  }
  return decodeEncodedContent(plaintext)
}

/** Decrypts an attachment. @throws {ContentTypeError} as {@link decryptEncodedContent}, plus the attachment codec's. */
export async function decryptAttachment(
  payload: Uint8Array,
  remote: RemoteKeyMaterial,
  options: DecryptOptions = {},
): Promise<Attachment> {
  return new AttachmentCodec().decode(await decryptEncodedContent(payload, remote, options))
}
