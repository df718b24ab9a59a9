/**
 * `@xmtp-lite/content-types/delete-message`.
 * @module
 */
export type { DeleteMessage } from './deleteMessage.ts'
export { ContentTypeDeleteMessage, DeleteMessageCodec } from './deleteMessage.ts'
