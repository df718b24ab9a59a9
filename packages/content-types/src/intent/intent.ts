/**
 * Intent: `coinbase.com/intent:1.0`, JSON `{id, actionId, metadata?}`, the answer to an actions message
 * (mls-groups.md §6.3; libxmtp intent.rs). Pushed.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { expectRecord, expectString, jsonBytes, parseJsonBytes } from '../internal.ts'

/** `coinbase.com/intent:1.0`. */
export const ContentTypeIntent: ContentTypeId = new ContentTypeId({
  authorityId: 'coinbase.com',
  typeId: 'intent',
  versionMajor: 1,
  versionMinor: 0,
})

/** The action a user picked. */
export interface Intent {
  /** The id of the actions message answered. */
  id: string
  /** The id of the chosen action. */
  actionId: string
  /** Free JSON. */
  metadata?: Record<string, unknown>
}

/** libxmtp's cap on the serialized metadata: 10 KiB (intent.rs `INTENT_METADATA_LIMIT`). */
export const INTENT_METADATA_LIMIT = 10 * 1024

/** Validates a parsed intent; exported for the vectors. */
export function readIntent(value: unknown): Intent {
  const o = expectRecord(value, 'intent')
  const out: Intent = { id: expectString(o, 'id', 'intent'), actionId: expectString(o, 'actionId', 'intent') }
  if (o.metadata !== undefined && o.metadata !== null)
    out.metadata = expectRecord(o.metadata, 'intent.metadata')
  return out
}

/**
 * The intent codec.
 * @example
 * const codec = new IntentCodec()
 * codec.fallback(codec.decode(codec.encode({ id: 'q1', actionId: 'a' }))) // 'User selected action: a'
 */
export class IntentCodec implements ContentCodec<Intent> {
  get contentType(): ContentTypeId {
    return ContentTypeIntent
  }

  /** @throws {ContentTypeError} `InvalidContent`, or `ContentTooLarge` for metadata over 10 KiB. */
  encode(content: Intent): EncodedContent {
    let checked: Intent
    try {
      checked = readIntent(content)
    } catch (error) {
      throw new ContentTypeError('ContentType::InvalidContent', 'not a valid intent', { cause: error })
    }
    if (checked.metadata !== undefined && jsonBytes(checked.metadata).length > INTENT_METADATA_LIMIT) {
      throw new ContentTypeError('ContentType::ContentTooLarge', 'intent metadata exceeds 10 KiB')
    }
    const json = {
      id: checked.id,
      actionId: checked.actionId,
      ...(checked.metadata === undefined ? {} : { metadata: checked.metadata }),
    }
    return { type: ContentTypeIntent, parameters: {}, content: jsonBytes(json) }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `InvalidUtf8`, `InvalidJson`, `SchemaMismatch`. */
  decode(encoded: EncodedContent): Intent {
    assertEncodedType(encoded, ContentTypeIntent)
    return readIntent(parseJsonBytes(encoded.content, 'intent'))
  }

  fallback(content: Intent): string {
    return `User selected action: ${content.actionId}`
  }

  shouldPush(): boolean {
    return true
  }
}
