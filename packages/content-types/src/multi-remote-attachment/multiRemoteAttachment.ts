/**
 * Multi remote attachment: `xmtp.org/multiRemoteStaticAttachment:1.0`, protobuf `MultiRemoteAttachment {
 * repeated RemoteAttachmentInfo attachments = 1 }` with `RemoteAttachmentInfo { content_digest = 1;
 * secret = 2; nonce = 3; salt = 4; scheme = 5; url = 6; optional content_length = 7; optional filename = 8 }`
 * (mls-groups.md §6.3; multi_remote_attachment.proto). Each entry is encrypted and loaded exactly like a
 * single remote attachment (`@xmtp-lite/content-types/remote-attachment`). Pushed.
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { decodeProtobuf, plainBytes, schemaError } from '../internal.ts'
import {
  checkRemoteAttachment,
  type RemoteAttachment,
  type UrlPolicy,
} from '../remote-attachment/remoteAttachment.ts'

const MultiMessage = xmtp.mls.message_contents.content_types.MultiRemoteAttachment

/** `xmtp.org/multiRemoteStaticAttachment:1.0` (the type id libxmtp's code uses). */
export const ContentTypeMultiRemoteAttachment: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'multiRemoteStaticAttachment',
  versionMajor: 1,
  versionMinor: 0,
})

/** One attachment of the set: the same fields as a single remote attachment. */
export type RemoteAttachmentInfo = RemoteAttachment

/** Several remote attachments in one message. */
export interface MultiRemoteAttachment {
  attachments: RemoteAttachmentInfo[]
}

const digestPattern = /^[0-9a-f]{64}$/

/**
 * The multi remote attachment codec.
 * @example
 * const codec = new MultiRemoteAttachmentCodec()
 * codec.decode(codec.encode({ attachments: [first, second] })).attachments.length // 2
 */
export class MultiRemoteAttachmentCodec implements ContentCodec<MultiRemoteAttachment> {
  readonly #policy: UrlPolicy

  constructor(policy: UrlPolicy = {}) {
    this.#policy = policy
  }

  get contentType(): ContentTypeId {
    return ContentTypeMultiRemoteAttachment
  }

  /** @throws {ContentTypeError} `InvalidContent`, `InsecureUrl` (as for a single remote attachment). */
  encode(content: MultiRemoteAttachment): EncodedContent {
    if (!Array.isArray(content?.attachments)) {
      throw new ContentTypeError('ContentType::InvalidContent', 'attachments must be an array')
    }
    const attachments = content.attachments.map((a) => {
      checkRemoteAttachment(a, this.#policy)
      const info: xmtp.mls.message_contents.content_types.RemoteAttachmentInfo.$Properties = {
        contentDigest: a.contentDigest,
        secret: a.secret,
        nonce: a.nonce,
        salt: a.salt,
        scheme: a.scheme,
        url: a.url,
      }
      if (a.contentLength !== undefined) info.contentLength = a.contentLength
      if (a.filename !== undefined) info.filename = a.filename
      return info
    })
    return {
      type: ContentTypeMultiRemoteAttachment,
      parameters: {},
      content: MultiMessage.encode({ attachments }).finish(),
    }
  }

  /**
   * Key material lengths are checked when decrypting, URL schemes when loading.
   * @throws {ContentTypeError} `TypeMismatch`, `MalformedProtobuf`, `SchemaMismatch` (digest not 64 hex).
   */
  decode(encoded: EncodedContent): MultiRemoteAttachment {
    assertEncodedType(encoded, ContentTypeMultiRemoteAttachment)
    const m = decodeProtobuf('MultiRemoteAttachment', () =>
      decodeMessage(MultiMessage, plainBytes(encoded.content)),
    )
    return {
      attachments: m.attachments.map((a, i) => {
        const contentDigest = a.contentDigest.toLowerCase()
        if (!digestPattern.test(contentDigest))
          throw schemaError(`attachments[${i}].contentDigest must be 64 hex digits`)
        const info: RemoteAttachmentInfo = {
          url: a.url,
          contentDigest,
          salt: a.salt,
          nonce: a.nonce,
          secret: a.secret,
          scheme: a.scheme,
        }
        if (a.contentLength !== null && a.contentLength !== undefined) info.contentLength = a.contentLength
        if (a.filename !== null && a.filename !== undefined) info.filename = a.filename
        return info
      }),
    }
  }

  /** libxmtp multi_remote_attachment.rs. */
  fallback(): string {
    return "Can't display this content. This app doesn't support multiple remote attachments."
  }

  shouldPush(): boolean {
    return true
  }
}
