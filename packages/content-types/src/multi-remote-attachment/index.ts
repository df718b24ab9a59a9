/**
 * `@xmtp-lite/content-types/multi-remote-attachment`.
 * @module
 */
export type { MultiRemoteAttachment, RemoteAttachmentInfo } from './multiRemoteAttachment.ts'
export { ContentTypeMultiRemoteAttachment, MultiRemoteAttachmentCodec } from './multiRemoteAttachment.ts'
