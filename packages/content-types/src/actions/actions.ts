/**
 * Actions: `coinbase.com/actions:1.0`, JSON `{id, description, actions[], expiresAt?}` listing buttons an
 * agent offers; the answer is an intent (mls-groups.md §6.3; libxmtp actions.rs). Pushed.
 *
 * Timestamps are RFC 3339 in UTC with milliseconds on the wire (`2025-01-15T12:30:45.000Z`), `Date` here.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import {
  expectArray,
  expectRecord,
  expectString,
  jsonBytes,
  optionalString,
  parseJsonBytes,
  schemaError,
} from '../internal.ts'

/** `coinbase.com/actions:1.0`. */
export const ContentTypeActions: ContentTypeId = new ContentTypeId({
  authorityId: 'coinbase.com',
  typeId: 'actions',
  versionMajor: 1,
  versionMinor: 0,
})

/** How a button is drawn. */
export const ActionStyle = { Primary: 'primary', Secondary: 'secondary', Danger: 'danger' } as const
/** An {@link ActionStyle} value. */
export type ActionStyleValue = (typeof ActionStyle)[keyof typeof ActionStyle]
const styles: readonly string[] = Object.values(ActionStyle)

/** One button. */
export interface Action {
  id: string
  label: string
  imageUrl?: string
  style?: ActionStyleValue
  expiresAt?: Date
}

/** A set of buttons. */
export interface Actions {
  id: string
  description: string
  actions: Action[]
  expiresAt?: Date
}

/** libxmtp refuses more than 10 actions "for UX reasons" (actions.rs `encode`). */
export const MAX_ACTIONS = 10

// RFC 3339 §5.6 date-time (chrono `parse_from_rfc3339` accepts "T", "t" or a space between date and time).
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

function readTimestamp(obj: Record<string, unknown>, path: string): Date | undefined {
  const raw = obj.expiresAt ?? obj.expires_at
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'string' || !rfc3339.test(raw))
    throw schemaError(`${path}.expiresAt must be an RFC 3339 string`)
  const ms = Date.parse(raw.replace(' ', 'T'))
  if (Number.isNaN(ms)) throw schemaError(`${path}.expiresAt is not a valid date`)
  return new Date(ms)
}

function writeTimestamp(date: Date, path: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new ContentTypeError('ContentType::InvalidContent', `${path}.expiresAt must be a valid Date`)
  }
  return date.toISOString()
}

function readAction(value: unknown, i: number): Action {
  const path = `actions[${i}]`
  const a = expectRecord(value, path)
  const action: Action = { id: expectString(a, 'id', path), label: expectString(a, 'label', path) }
  const imageUrl = optionalString(a, 'imageUrl', path) ?? optionalString(a, 'image_url', path)
  if (imageUrl !== undefined) action.imageUrl = imageUrl
  const style = optionalString(a, 'style', path)
  if (style !== undefined) {
    if (!styles.includes(style)) throw schemaError(`${path}.style is not one of ${styles.join(', ')}`)
    action.style = style as ActionStyleValue
  }
  const expiresAt = readTimestamp(a, path)
  if (expiresAt !== undefined) action.expiresAt = expiresAt
  return action
}

/** Validates parsed actions; exported for the vectors. */
export function readActions(value: unknown): Actions {
  const o = expectRecord(value, 'actions')
  const out: Actions = {
    id: expectString(o, 'id', 'actions'),
    description: expectString(o, 'description', 'actions'),
    actions: expectArray(o, 'actions', 'actions').map(readAction),
  }
  const expiresAt = readTimestamp(o, 'actions')
  if (expiresAt !== undefined) out.expiresAt = expiresAt
  return out
}

function toJson(content: Actions): unknown {
  // Key order of libxmtp's serde structs; absent optionals are skipped, as serde does.
  return {
    id: content.id,
    description: content.description,
    actions: content.actions.map((a, i) => ({
      id: a.id,
      label: a.label,
      ...(a.imageUrl === undefined ? {} : { imageUrl: a.imageUrl }),
      ...(a.style === undefined ? {} : { style: a.style }),
      ...(a.expiresAt === undefined ? {} : { expiresAt: writeTimestamp(a.expiresAt, `actions[${i}]`) }),
    })),
    ...(content.expiresAt === undefined ? {} : { expiresAt: writeTimestamp(content.expiresAt, 'actions') }),
  }
}

/**
 * The actions codec.
 * @example
 * const codec = new ActionsCodec()
 * const encoded = codec.encode({ id: 'q1', description: 'Pick one', actions: [{ id: 'a', label: 'Yes' }] })
 * codec.fallback(codec.decode(encoded)) // 'Pick one\n\n[1] Yes\n\nReply with the number to select'
 */
export class ActionsCodec implements ContentCodec<Actions> {
  get contentType(): ContentTypeId {
    return ContentTypeActions
  }

  /** @throws {ContentTypeError} `InvalidContent`: no action, more than 10, or duplicate ids. */
  encode(content: Actions): EncodedContent {
    let checked: Actions
    try {
      checked = readActions(JSON.parse(JSON.stringify(toJson(content))))
    } catch (error) {
      if (error instanceof ContentTypeError && error.code === 'ContentType::InvalidContent') throw error
      throw new ContentTypeError('ContentType::InvalidContent', 'not valid actions', { cause: error })
    }
    if (checked.actions.length === 0) {
      throw new ContentTypeError('ContentType::InvalidContent', 'actions must contain at least one action')
    }
    if (checked.actions.length > MAX_ACTIONS) {
      throw new ContentTypeError('ContentType::InvalidContent', `actions cannot exceed ${MAX_ACTIONS}`)
    }
    if (new Set(checked.actions.map((a) => a.id)).size !== checked.actions.length) {
      throw new ContentTypeError('ContentType::InvalidContent', 'action ids must be unique')
    }
    return { type: ContentTypeActions, parameters: {}, content: jsonBytes(toJson(content)) }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `InvalidUtf8`, `InvalidJson`, `SchemaMismatch`. */
  decode(encoded: EncodedContent): Actions {
    assertEncodedType(encoded, ContentTypeActions)
    return readActions(parseJsonBytes(encoded.content, 'actions'))
  }

  fallback(content: Actions): string {
    const list = content.actions.map((a, i) => `[${i + 1}] ${a.label}`).join('\n')
    return `${content.description}\n\n${list}\n\nReply with the number to select`
  }

  shouldPush(): boolean {
    return true
  }
}
