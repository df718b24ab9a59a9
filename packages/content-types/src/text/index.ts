/**
 * `@xmtp-lite/content-types/text`.
 * @module
 */
export { ContentTypeText, TextCodec } from './text.ts'
