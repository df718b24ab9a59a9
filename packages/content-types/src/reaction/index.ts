/**
 * `@xmtp-lite/content-types/reaction`.
 * @module
 */
export type { Reaction, ReactionActionValue, ReactionSchemaValue } from './reaction.ts'
export { ContentTypeReaction, ReactionAction, ReactionCodec, ReactionSchema } from './reaction.ts'
