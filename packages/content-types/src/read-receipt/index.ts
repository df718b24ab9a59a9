/**
 * `@xmtp-lite/content-types/read-receipt`.
 * @module
 */
export type { ReadReceipt } from './readReceipt.ts'
export { ContentTypeReadReceipt, ReadReceiptCodec } from './readReceipt.ts'
