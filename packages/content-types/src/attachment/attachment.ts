/**
 * Attachment (inline): `xmtp.org/attachment:1.0`, the raw file bytes with parameters `mimeType` and
 * optional `filename` (mls-groups.md §6.3). Pushed.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'

/** `xmtp.org/attachment:1.0`. */
export const ContentTypeAttachment: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'attachment',
  versionMajor: 1,
  versionMinor: 0,
})

/** A file sent inline (the field names of the official codec). */
export interface Attachment {
  filename?: string
  mimeType: string
  data: Uint8Array
}

/**
 * The attachment codec.
 * @example
 * const codec = new AttachmentCodec()
 * const encoded = codec.encode({ filename: 'a.txt', mimeType: 'text/plain', data: new Uint8Array([104, 105]) })
 * codec.decode(encoded).mimeType // 'text/plain'
 */
export class AttachmentCodec implements ContentCodec<Attachment> {
  get contentType(): ContentTypeId {
    return ContentTypeAttachment
  }

  encode(content: Attachment): EncodedContent {
    if (typeof content?.mimeType !== 'string' || !(content.data instanceof Uint8Array)) {
      throw new ContentTypeError(
        'ContentType::InvalidContent',
        'an attachment needs a mimeType string and data bytes',
      )
    }
    if (content.filename !== undefined && typeof content.filename !== 'string') {
      throw new ContentTypeError('ContentType::InvalidContent', 'filename must be a string when present')
    }
    const parameters: Record<string, string> = { mimeType: content.mimeType }
    if (content.filename !== undefined) parameters.filename = content.filename
    return { type: ContentTypeAttachment, parameters, content: content.data }
  }

  /**
   * `mimeType` is required here (the official codec and libxmtp default it to ""; we refuse to guess).
   * @throws {ContentTypeError} `TypeMismatch`, `InvalidParameter`.
   */
  decode(encoded: EncodedContent): Attachment {
    assertEncodedType(encoded, ContentTypeAttachment)
    const mimeType = encoded.parameters?.mimeType
    if (typeof mimeType !== 'string') {
      throw new ContentTypeError('ContentType::InvalidParameter', 'attachment has no mimeType parameter')
    }
    const filename = encoded.parameters.filename
    return filename === undefined
      ? { mimeType, data: encoded.content }
      : { filename, mimeType, data: encoded.content }
  }

  /** libxmtp attachment.rs: `Can't display <filename or "this content">. This app doesn't support attachments.` */
  fallback(content: Attachment): string {
    return `Can't display ${content.filename ?? 'this content'}. This app doesn't support attachments.`
  }

  shouldPush(): boolean {
    return true
  }
}
