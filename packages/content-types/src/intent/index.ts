/**
 * `@xmtp-lite/content-types/intent`.
 * @module
 */
export type { Intent } from './intent.ts'
export { ContentTypeIntent, INTENT_METADATA_LIMIT, IntentCodec } from './intent.ts'
