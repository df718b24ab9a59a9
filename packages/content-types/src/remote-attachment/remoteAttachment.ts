/**
 * Remote attachment: `xmtp.org/remoteStaticAttachment:1.0`. The payload is the URL (UTF-8); parameters
 * `contentDigest` (hex SHA-256 of the encrypted blob), `salt` (hex, 32 B), `nonce` (hex, 12 B), `secret`
 * (hex, 32 B), `scheme`, optional `contentLength` (decimal) and `filename` (mls-groups.md §6.3; libxmtp
 * remote_attachment.rs). Pushed.
 * @module
 */
import { fromHex, toHex } from '@xmtp-lite/common'
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { utf8Decode, utf8Encode } from '../internal.ts'

/** `xmtp.org/remoteStaticAttachment:1.0`. */
export const ContentTypeRemoteAttachment: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'remoteStaticAttachment',
  versionMajor: 1,
  versionMinor: 0,
})

/** Where an encrypted attachment lives and how to open it (the official codec's type). */
export interface RemoteAttachment {
  url: string
  /** Lowercase hex SHA-256 of the encrypted payload. */
  contentDigest: string
  salt: Uint8Array
  nonce: Uint8Array
  secret: Uint8Array
  /** The URL scheme, `https://` in practice. */
  scheme: string
  /** Length of the encrypted payload in bytes. */
  contentLength?: number
  filename?: string
}

/** Options of {@link RemoteAttachmentCodec} and of the loading functions. */
export interface UrlPolicy {
  /** Allow plain `http:` URLs. For tests against a local server only; default false. */
  readonly allowInsecureHttp?: boolean
}

/**
 * Throws `ContentType::InsecureUrl` unless `url` parses and is https (or http when allowed).
 */
export function assertSecureUrl(url: string, policy: UrlPolicy = {}): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch (error) {
    throw new ContentTypeError('ContentType::InsecureUrl', 'the URL does not parse', { cause: error })
  }
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && policy.allowInsecureHttp === true))
    return parsed
  throw new ContentTypeError(
    'ContentType::InsecureUrl',
    `the URL scheme must be https, got ${parsed.protocol}`,
  )
}

function hexParameter(parameters: Record<string, string>, name: string): Uint8Array {
  const value = parameters[name]
  if (typeof value !== 'string' || !hexPattern.test(value)) {
    throw new ContentTypeError(
      'ContentType::InvalidParameter',
      `remote attachment parameter ${name} is not hex`,
    )
  }
  return fromHex(value)
}

// Plain hex as libxmtp's `hex::decode` reads it: no 0x prefix, even length.
const hexPattern = /^(?:[0-9a-fA-F]{2})*$/
const digestPattern = /^[0-9a-f]{64}$/
const decimalPattern = /^\d{1,10}$/

/**
 * Checks a remote attachment before sending: https URL (unless allowed), 64-hex digest, 32-byte salt and
 * secret, 12-byte nonce, uint32 contentLength.
 * @throws {ContentTypeError} `InsecureUrl`, `InvalidContent`.
 */
export function checkRemoteAttachment(content: RemoteAttachment, policy: UrlPolicy = {}): void {
  assertSecureUrl(content?.url, policy)
  if (typeof content.contentDigest !== 'string' || !digestPattern.test(content.contentDigest)) {
    throw new ContentTypeError('ContentType::InvalidContent', 'contentDigest must be 64 lowercase hex digits')
  }
  for (const [name, length] of [
    ['salt', 32],
    ['nonce', 12],
    ['secret', 32],
  ] as const) {
    const v = content[name]
    if (!(v instanceof Uint8Array) || v.length !== length) {
      throw new ContentTypeError('ContentType::InvalidContent', `${name} must be ${length} bytes`)
    }
  }
  const n = content.contentLength
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff)) {
    throw new ContentTypeError('ContentType::InvalidContent', 'contentLength must be a uint32')
  }
}

/**
 * The remote attachment codec.
 * @example
 * const codec = new RemoteAttachmentCodec()
 * const encoded = codec.encode({ url: 'https://cdn.example/x', contentDigest: 'ab'.repeat(32), salt, nonce, secret, scheme: 'https://' })
 */
export class RemoteAttachmentCodec implements ContentCodec<RemoteAttachment> {
  readonly #policy: UrlPolicy

  constructor(policy: UrlPolicy = {}) {
    this.#policy = policy
  }

  get contentType(): ContentTypeId {
    return ContentTypeRemoteAttachment
  }

  /** @throws {ContentTypeError} `InsecureUrl`, `InvalidContent` (digest not 64 hex, bad lengths). */
  encode(content: RemoteAttachment): EncodedContent {
    checkRemoteAttachment(content, this.#policy)
    const parameters: Record<string, string> = {
      contentDigest: content.contentDigest,
      salt: toHex(content.salt),
      nonce: toHex(content.nonce),
      secret: toHex(content.secret),
      scheme: String(content.scheme),
    }
    if (content.contentLength !== undefined) parameters.contentLength = String(content.contentLength)
    if (content.filename !== undefined) parameters.filename = content.filename
    return { type: ContentTypeRemoteAttachment, parameters, content: utf8Encode(content.url) }
  }

  /**
   * Reads the parameters; key and nonce lengths are checked when decrypting. The URL's scheme is checked
   * when loading, not here.
   * @throws {ContentTypeError} `TypeMismatch`, `InvalidParameter`, `InvalidUtf8`.
   */
  decode(encoded: EncodedContent): RemoteAttachment {
    assertEncodedType(encoded, ContentTypeRemoteAttachment)
    const p = encoded.parameters ?? {}
    const contentDigest = p.contentDigest
    if (typeof contentDigest !== 'string' || !digestPattern.test(contentDigest.toLowerCase())) {
      throw new ContentTypeError('ContentType::InvalidParameter', 'contentDigest must be 64 hex digits')
    }
    const out: RemoteAttachment = {
      url: utf8Decode(encoded.content, 'remote attachment URL'),
      contentDigest: contentDigest.toLowerCase(),
      salt: hexParameter(p, 'salt'),
      nonce: hexParameter(p, 'nonce'),
      secret: hexParameter(p, 'secret'),
      scheme: p.scheme ?? '',
    }
    if (p.contentLength !== undefined) {
      if (!decimalPattern.test(p.contentLength) || Number(p.contentLength) > 0xffff_ffff) {
        throw new ContentTypeError('ContentType::InvalidParameter', 'contentLength must be a decimal uint32')
      }
      out.contentLength = Number(p.contentLength)
    }
    if (p.filename !== undefined) out.filename = p.filename
    return out
  }

  /** libxmtp remote_attachment.rs. */
  fallback(content: RemoteAttachment): string {
    return `Can't display ${content.filename ?? 'this content'}. This app doesn't support remote attachments.`
  }

  shouldPush(): boolean {
    return true
  }
}
