/**
 * `@xmtp-lite/content-types/reply`.
 * @module
 */
export type { Reply } from './reply.ts'
export { ContentTypeReply, ReplyCodec } from './reply.ts'
