/**
 * Reaction, in both wire forms (mls-groups.md §6.3; libxmtp reaction.rs):
 * - `xmtp.org/reaction:1.0`, JSON `{action, reference, referenceInboxId?, schema, content}` (the official
 *   JS codec; also its older form with action/reference/schema in the parameters and the emoji as text);
 * - `xmtp.org/reaction:2.0`, protobuf `ReactionV2` (what libxmtp sends), in `./reactionV2.ts`.
 * Neither is pushed.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import {
  expectRecord,
  expectString,
  jsonBytes,
  optionalString,
  parseJsonBytes,
  schemaError,
  utf8Decode,
} from '../internal.ts'

/** `xmtp.org/reaction:1.0` (JSON). */
export const ContentTypeReaction: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'reaction',
  versionMajor: 1,
  versionMinor: 0,
})

/** Reaction actions. */
export const ReactionAction = { Added: 'added', Removed: 'removed' } as const
/** A {@link ReactionAction} value. */
export type ReactionActionValue = (typeof ReactionAction)[keyof typeof ReactionAction]
/** How `content` is to be read. */
export const ReactionSchema = { Unicode: 'unicode', Shortcode: 'shortcode', Custom: 'custom' } as const
/** A {@link ReactionSchema} value. */
export type ReactionSchemaValue = (typeof ReactionSchema)[keyof typeof ReactionSchema]

const actions: readonly string[] = Object.values(ReactionAction)
const schemas: readonly string[] = Object.values(ReactionSchema)

/** A reaction (the official codec's type; the same value for both wire versions). */
export interface Reaction {
  /** The id of the message reacted to (lowercase hex). */
  reference: string
  /** The inbox id of that message's sender. */
  referenceInboxId?: string
  action: ReactionActionValue
  /** The emoji, shortcode or custom text. */
  content: string
  schema: ReactionSchemaValue
}

/** Checks the fields of a reaction value (shared by both wire versions). */
export function readReaction(value: unknown): Reaction {
  const o = expectRecord(value, 'reaction')
  const action = expectString(o, 'action', 'reaction')
  if (!actions.includes(action)) throw schemaError(`reaction.action is not one of ${actions.join(', ')}`)
  const schema = expectString(o, 'schema', 'reaction')
  if (!schemas.includes(schema)) throw schemaError(`reaction.schema is not one of ${schemas.join(', ')}`)
  const reaction: Reaction = {
    reference: expectString(o, 'reference', 'reaction'),
    action: action as ReactionActionValue,
    content: expectString(o, 'content', 'reaction'),
    schema: schema as ReactionSchemaValue,
  }
  const referenceInboxId = optionalString(o, 'referenceInboxId', 'reaction')
  if (referenceInboxId !== undefined) reaction.referenceInboxId = referenceInboxId
  return reaction
}

export function checkReactionForEncode(content: Reaction): Reaction {
  try {
    return readReaction(content)
  } catch (error) {
    throw new ContentTypeError('ContentType::InvalidContent', 'not a valid reaction', { cause: error })
  }
}

/** libxmtp reaction.rs: `Reacted with "<c>" to an earlier message` / `Removed "<c>" from an earlier message`. */
export function reactionFallback(content: Reaction): string {
  return content.action === 'removed'
    ? `Removed "${content.content}" from an earlier message`
    : `Reacted with "${content.content}" to an earlier message`
}

/**
 * The JSON reaction codec (`xmtp.org/reaction:1.0`), a drop-in for `@xmtp/content-type-reaction`.
 * @example
 * const codec = new ReactionCodec()
 * const r = { reference: 'ab12', action: 'added', content: '👍', schema: 'unicode' } as const
 * codec.decode(codec.encode(r)).content // '👍'
 */
export class ReactionCodec implements ContentCodec<Reaction> {
  get contentType(): ContentTypeId {
    return ContentTypeReaction
  }

  encode(content: Reaction): EncodedContent {
    const r = checkReactionForEncode(content)
    // Key order of the official codec: action, reference, referenceInboxId, schema, content.
    const json = {
      action: r.action,
      reference: r.reference,
      ...(r.referenceInboxId === undefined ? {} : { referenceInboxId: r.referenceInboxId }),
      schema: r.schema,
      content: r.content,
    }
    return { type: ContentTypeReaction, parameters: {}, content: jsonBytes(json) }
  }

  /**
   * Reads the JSON form; when the payload is not JSON, the oldest form (parameters `action`, `reference`,
   * `schema`, the emoji as UTF-8 text), as the official codec does.
   * @throws {ContentTypeError} `TypeMismatch`, `InvalidJson`, `InvalidUtf8`, `SchemaMismatch`.
   */
  decode(encoded: EncodedContent): Reaction {
    assertEncodedType(encoded, ContentTypeReaction)
    let parsed: unknown
    try {
      parsed = parseJsonBytes(encoded.content, 'reaction')
    } catch (error) {
      const p = encoded.parameters ?? {}
      const legacy = error instanceof ContentTypeError && error.code === 'ContentType::InvalidJson'
      if (!legacy || p.action === undefined || p.reference === undefined || p.schema === undefined)
        throw error
      parsed = {
        action: p.action,
        reference: p.reference,
        schema: p.schema,
        content: utf8Decode(encoded.content, 'reaction'),
      }
    }
    return readReaction(parsed)
  }

  fallback(content: Reaction): string {
    return reactionFallback(content)
  }

  shouldPush(): boolean {
    return false
  }
}
