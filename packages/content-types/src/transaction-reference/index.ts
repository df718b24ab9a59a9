/**
 * `@xmtp-lite/content-types/transaction-reference`.
 * @module
 */
export type { TransactionMetadata, TransactionReference } from './transactionReference.ts'
export { ContentTypeTransactionReference, TransactionReferenceCodec } from './transactionReference.ts'
