/**
 * `@xmtp-lite/content-types/attachment`.
 * @module
 */
export type { Attachment } from './attachment.ts'
export { AttachmentCodec, ContentTypeAttachment } from './attachment.ts'
