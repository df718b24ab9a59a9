/**
 * Text: `xmtp.org/text:1.0`, UTF-8 bytes with `encoding=UTF-8` (mls-groups.md §6.3). No fallback; pushed.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { utf8Encode } from '../internal.ts'
import { decodeUtf8Payload, ENCODING_UTF8 } from '../internalText.ts'

/** `xmtp.org/text:1.0`. */
export const ContentTypeText: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'text',
  versionMajor: 1,
  versionMinor: 0,
})

/**
 * The text codec.
 * @example
 * const codec = new TextCodec()
 * codec.decode(codec.encode('gm')) // 'gm'
 */
export class TextCodec implements ContentCodec<string> {
  get contentType(): ContentTypeId {
    return ContentTypeText
  }

  encode(content: string): EncodedContent {
    if (typeof content !== 'string')
      throw new ContentTypeError('ContentType::InvalidContent', 'text must be a string')
    return { type: ContentTypeText, parameters: { encoding: ENCODING_UTF8 }, content: utf8Encode(content) }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `UnsupportedEncoding`, `InvalidUtf8`. */
  decode(encoded: EncodedContent): string {
    assertEncodedType(encoded, ContentTypeText)
    return decodeUtf8Payload(encoded.parameters, encoded.content, 'text')
  }

  fallback(): undefined {
    return undefined
  }

  shouldPush(): boolean {
    return true
  }
}
