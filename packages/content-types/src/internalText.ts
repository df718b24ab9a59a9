/**
 * The UTF-8 text payload shared by text and markdown (mls-groups.md §6.2: the `encoding` parameter defaults
 * to UTF-8 and any other value is rejected). Not exported from the package.
 * @module
 */
import { ContentTypeError } from './errors.ts'
import { utf8Decode } from './internal.ts'

export const ENCODING_UTF8 = 'UTF-8'

export function decodeUtf8Payload(
  parameters: Record<string, string>,
  content: Uint8Array,
  what: string,
): string {
  const encoding = parameters?.encoding ?? ENCODING_UTF8
  if (encoding !== ENCODING_UTF8) {
    throw new ContentTypeError('ContentType::UnsupportedEncoding', `${what} encoding must be UTF-8`, {
      details: String(encoding).slice(0, 100),
    })
  }
  return utf8Decode(content, what)
}
