/**
 * `@xmtp-lite/content-types/reaction`: the JSON form (1.0) and the protobuf form (2.0).
 * @module
 */
export type { Reaction, ReactionActionValue, ReactionSchemaValue } from './reaction.ts'
export { ContentTypeReaction, ReactionAction, ReactionCodec, ReactionSchema } from './reaction.ts'
export { ContentTypeReactionV2, ReactionV2Codec } from './reactionV2.ts'
