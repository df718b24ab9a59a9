/**
 * Reaction v2: `xmtp.org/reaction:2.0`, protobuf `ReactionV2 { reference = 1; reference_inbox_id = 2;
 * action = 3 (ADDED 1, REMOVED 2); content = 4; schema = 5 (UNICODE 1, SHORTCODE 2, CUSTOM 3) }`, what
 * libxmtp sends (mls-groups.md §6.3; reaction.proto). Not pushed. Same value type as the JSON codec.
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { decodeProtobuf, plainBytes, schemaError } from '../internal.ts'
import {
  checkReactionForEncode,
  type Reaction,
  type ReactionActionValue,
  type ReactionSchemaValue,
  reactionFallback,
} from './reaction.ts'

const ReactionV2Message = xmtp.mls.message_contents.content_types.ReactionV2

/** `xmtp.org/reaction:2.0` (protobuf). */
export const ContentTypeReactionV2: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'reaction',
  versionMajor: 2,
  versionMinor: 0,
})

const actionToWire = { added: 1, removed: 2 } as const satisfies Record<ReactionActionValue, number>
const schemaToWire = { unicode: 1, shortcode: 2, custom: 3 } as const satisfies Record<
  ReactionSchemaValue,
  number
>
const actionFromWire: Record<number, ReactionActionValue> = { 1: 'added', 2: 'removed' }
const schemaFromWire: Record<number, ReactionSchemaValue> = { 1: 'unicode', 2: 'shortcode', 3: 'custom' }

/**
 * The protobuf reaction codec (`xmtp.org/reaction:2.0`).
 * @example
 * const codec = new ReactionV2Codec()
 * const r = { reference: 'ab12', action: 'added', content: '👍', schema: 'unicode' } as const
 * codec.decode(codec.encode(r)).content // '👍'
 */
export class ReactionV2Codec implements ContentCodec<Reaction> {
  get contentType(): ContentTypeId {
    return ContentTypeReactionV2
  }

  encode(content: Reaction): EncodedContent {
    const r = checkReactionForEncode(content)
    const bytes = ReactionV2Message.encode({
      reference: r.reference,
      referenceInboxId: r.referenceInboxId ?? '',
      action: actionToWire[r.action],
      content: r.content,
      schema: schemaToWire[r.schema],
    }).finish()
    return { type: ContentTypeReactionV2, parameters: {}, content: bytes }
  }

  /**
   * An UNSPECIFIED or unknown action or schema is refused: such a reaction cannot be displayed.
   * @throws {ContentTypeError} `TypeMismatch`, `MalformedProtobuf`, `SchemaMismatch`.
   */
  decode(encoded: EncodedContent): Reaction {
    assertEncodedType(encoded, ContentTypeReactionV2)
    const m = decodeProtobuf('ReactionV2', () =>
      decodeMessage(ReactionV2Message, plainBytes(encoded.content)),
    )
    const action = actionFromWire[m.action]
    if (action === undefined) throw schemaError(`ReactionV2.action ${m.action} is not ADDED or REMOVED`)
    const schema = schemaFromWire[m.schema]
    if (schema === undefined)
      throw schemaError(`ReactionV2.schema ${m.schema} is not UNICODE, SHORTCODE or CUSTOM`)
    const reaction: Reaction = { reference: m.reference, action, content: m.content, schema }
    // proto3 has no presence for strings: "" means "not given".
    if (m.referenceInboxId !== '') reaction.referenceInboxId = m.referenceInboxId
    return reaction
  }

  fallback(content: Reaction): string {
    return reactionFallback(content)
  }

  shouldPush(): boolean {
    return false
  }
}
