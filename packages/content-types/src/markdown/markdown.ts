/**
 * Markdown: `xmtp.org/markdown:1.0`, UTF-8 bytes with `encoding=UTF-8` (mls-groups.md §6.3). No fallback; pushed.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { utf8Encode } from '../internal.ts'
import { decodeUtf8Payload, ENCODING_UTF8 } from '../internalText.ts'

/** `xmtp.org/markdown:1.0`. */
export const ContentTypeMarkdown: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'markdown',
  versionMajor: 1,
  versionMinor: 0,
})

/**
 * The markdown codec.
 * @example
 * const codec = new MarkdownCodec()
 * codec.decode(codec.encode('**gm**')) // '**gm**'
 */
export class MarkdownCodec implements ContentCodec<string> {
  get contentType(): ContentTypeId {
    return ContentTypeMarkdown
  }

  encode(content: string): EncodedContent {
    if (typeof content !== 'string')
      throw new ContentTypeError('ContentType::InvalidContent', 'markdown must be a string')
    return {
      type: ContentTypeMarkdown,
      parameters: { encoding: ENCODING_UTF8 },
      content: utf8Encode(content),
    }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `UnsupportedEncoding`, `InvalidUtf8`. */
  decode(encoded: EncodedContent): string {
    assertEncodedType(encoded, ContentTypeMarkdown)
    return decodeUtf8Payload(encoded.parameters, encoded.content, 'markdown')
  }

  fallback(): undefined {
    return undefined
  }

  shouldPush(): boolean {
    return true
  }
}
