/**
 * Reply: `xmtp.org/reply:1.0`; the payload is a protobuf-encoded inner `EncodedContent` of any type, with
 * parameters `reference` (hex message id), `contentType` (the inner id as a string) and optional
 * `referenceInboxId` (mls-groups.md §6.3; libxmtp reply.rs). Pushed.
 * @module
 */
import { assertEncodedType, type CodecRegistry, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId, contentTypeToString } from '../contentTypeId.ts'
import { decodeEncodedContent, encodeEncodedContent } from '../encodedContent.ts'
import { ContentTypeError } from '../errors.ts'

/** `xmtp.org/reply:1.0`. */
export const ContentTypeReply: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'reply',
  versionMajor: 1,
  versionMinor: 0,
})

/** A reply (the official codec's type). */
export interface Reply {
  /** The id of the message replied to (lowercase hex, mls-groups.md §6.1). */
  reference: string
  /** The inbox id of that message's sender. */
  referenceInboxId?: string
  /** The content type of `content`. */
  contentType: ContentTypeId
  /**
   * The reply itself, decoded by the inner type's codec; when the registry lacks that codec, the inner
   * content's fallback text.
   */
  content: unknown
}

/**
 * The reply codec; it needs a registry holding the inner content's codec.
 * @example
 * const registry = new ContentCodecRegistry([new TextCodec(), new ReplyCodec()])
 * const encoded = registry.encode({ reference: 'ab12', contentType: ContentTypeText, content: 'yes' }, ContentTypeReply)
 * registry.decode(encoded).content // { reference: 'ab12', contentType: ..., content: 'yes' }
 */
export class ReplyCodec implements ContentCodec<Reply> {
  get contentType(): ContentTypeId {
    return ContentTypeReply
  }

  /** @throws {ContentTypeError} `InvalidContent`, `UnknownContentType` (no codec for the inner type). */
  encode(content: Reply, registry?: CodecRegistry): EncodedContent {
    if (typeof content?.reference !== 'string' || content.contentType === undefined) {
      throw new ContentTypeError('ContentType::InvalidContent', 'a reply needs a reference and a contentType')
    }
    const codec = registry?.codecFor(content.contentType)
    if (codec === undefined) {
      throw new ContentTypeError(
        'ContentType::UnknownContentType',
        `no codec for the inner type ${contentTypeToString(content.contentType)}`,
      )
    }
    const inner = codec.encode(content.content, registry)
    const innerFallback = codec.fallback(content.content)
    const parameters: Record<string, string> = {
      reference: content.reference,
      contentType: contentTypeToString(inner.type),
    }
    if (content.referenceInboxId !== undefined) parameters.referenceInboxId = content.referenceInboxId
    return {
      type: ContentTypeReply,
      parameters,
      content: encodeEncodedContent(
        innerFallback === undefined ? inner : { ...inner, fallback: innerFallback },
      ),
    }
  }

  /**
   * @throws {ContentTypeError} `TypeMismatch`, `InvalidParameter` (no reference), `MalformedProtobuf`
   * (inner bytes), `SchemaMismatch` (compressed inner content), `UnknownContentType` (unknown inner type
   * without fallback), or the inner codec's codes.
   */
  decode(encoded: EncodedContent, registry?: CodecRegistry): Reply {
    assertEncodedType(encoded, ContentTypeReply)
    const reference = encoded.parameters?.reference
    if (typeof reference !== 'string') {
      throw new ContentTypeError('ContentType::InvalidParameter', 'reply has no reference parameter')
    }
    const inner = decodeEncodedContent(encoded.content)
    if (inner.compression !== undefined) {
      throw new ContentTypeError(
        'ContentType::SchemaMismatch',
        'the inner content of a reply must not be compressed',
      )
    }
    const contentType = new ContentTypeId(inner.type)
    const codec = registry?.codecFor(contentType)
    let content: unknown
    if (codec !== undefined) content = codec.decode(inner, registry)
    else if (inner.fallback !== undefined) content = inner.fallback
    else {
      throw new ContentTypeError(
        'ContentType::UnknownContentType',
        `no codec for the inner type ${contentTypeToString(contentType)}`,
      )
    }
    const reply: Reply = { reference, contentType, content }
    const referenceInboxId = encoded.parameters.referenceInboxId
    if (referenceInboxId !== undefined) reply.referenceInboxId = referenceInboxId
    return reply
  }

  /** libxmtp reply.rs: quotes the text when the inner content is text. */
  fallback(content: Reply): string {
    if (content.contentType?.typeId === 'text' && typeof content.content === 'string') {
      return `Replied with "${content.content}" to an earlier message`
    }
    return 'Replied to an earlier message'
  }

  shouldPush(): boolean {
    return true
  }
}
