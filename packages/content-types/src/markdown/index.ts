/**
 * `@xmtp-lite/content-types/markdown`.
 * @module
 */
export { ContentTypeMarkdown, MarkdownCodec } from './markdown.ts'
