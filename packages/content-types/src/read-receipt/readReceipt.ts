/**
 * Read receipt: `xmtp.org/readReceipt:1.0`, an empty payload (mls-groups.md §6.3). No fallback; not pushed.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'

/** `xmtp.org/readReceipt:1.0`. */
export const ContentTypeReadReceipt: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'readReceipt',
  versionMajor: 1,
  versionMinor: 0,
})

/** A read receipt carries nothing: its meaning is its sender and timestamp. */
export type ReadReceipt = Record<string, never>

/**
 * The read receipt codec.
 * @example
 * new ReadReceiptCodec().encode({}).content.length // 0
 */
export class ReadReceiptCodec implements ContentCodec<ReadReceipt> {
  get contentType(): ContentTypeId {
    return ContentTypeReadReceipt
  }

  encode(): EncodedContent {
    return { type: ContentTypeReadReceipt, parameters: {}, content: new Uint8Array(0) }
  }

  /**
   * Any payload is accepted and ignored, as libxmtp and the official codec do (a future minor version
   * may add fields).
   * @throws {ContentTypeError} `TypeMismatch`.
   */
  decode(encoded: EncodedContent): ReadReceipt {
    assertEncodedType(encoded, ContentTypeReadReceipt)
    return {}
  }

  fallback(): undefined {
    return undefined
  }

  shouldPush(): boolean {
    return false
  }
}
