/**
 * Messages as the client stores and returns them.
 * @module
 */
import { fromHex } from '@xmtp-lite/common'
import { type ContentCodecRegistry, ContentTypeId, decodeEncodedContent } from '@xmtp-lite/content-types'
import { jsonBytes } from '../storage/store.ts'

/** Where a message of ours is on its way to the network. */
export type DeliveryStatus = 'unpublished' | 'published' | 'failed'

/** What a message is: an application message, or the transcript of a commit (membership or metadata). */
export type MessageKind = 'application' | 'membershipChange'

/** A message of a conversation, decoded. */
export interface DecodedMessage<T = unknown> {
  /** XMTP message id (hex; §6.1 for application messages, the commit hash for transcripts). */
  readonly id: string
  /** Group id (hex). */
  readonly conversationId: string
  readonly senderInboxId: string
  /** The sending installation (hex). */
  readonly senderInstallationId: string
  /** When the node stored it (nanoseconds); local time for an unpublished message of ours. */
  readonly sentAtNs: bigint
  readonly kind: MessageKind
  readonly contentType: ContentTypeId
  /** The decoded content, or the fallback text when no codec knows the type. */
  readonly content: T
  readonly fallback: string | undefined
  readonly deliveryStatus: DeliveryStatus
  /** The node's id of the message (0n until published and read back). */
  readonly sequenceId: bigint
  /** True for messages this installation sent. */
  readonly isOwn: boolean
  /**
   * Why the content did not decode (a malformed payload, an unknown type without fallback): `content` is
   * then undefined. A hostile member's bad message never stops the conversation from syncing or listing.
   */
  readonly contentError?: unknown
}

/** The type given to a message whose `EncodedContent` does not even parse. */
const unparsedContentType = new ContentTypeId({
  authorityId: '',
  typeId: 'unparsed',
  versionMajor: 0,
  versionMinor: 0,
})

/** The stored form (JSON). */
export interface MessageRecord {
  id: string
  s: string
  i: string
  t: string
  k: MessageKind
  /** EncodedContent protobuf bytes, hex. */
  c: string
  d: DeliveryStatus
  n: string
  o: boolean
  /** Disappearing messages: when it expires (ns, local clock), absent when it never does. */
  x?: string
  /**
   * A message of ours prepared by `prepareMessage` and not yet sent: how many publish attempts failed
   * (`publishMessages`). Absent for messages sent at once by `send`.
   */
  p?: number
}

/** `exp!<expiry ns, 20 digits>!<message key>`: the index of messages that disappear, soonest first. */
export function expiryKey(expireAtNs: string, messageKey: string): string {
  return `exp!${expireAtNs.padStart(20, '0')}!${messageKey}`
}

/** True once a disappearing message's time has come (mls-groups.md §11: queries hide it). */
export function isExpired(record: MessageRecord, nowNs: bigint): boolean {
  return record.x !== undefined && BigInt(record.x) <= nowNs
}

/** `msg!<group>!<node id, 20 digits>`; unpublished messages of ours sort last (`~` prefix). */
export function messageKey(conversationId: string, sequenceId: bigint, localId?: string): string {
  return sequenceId === 0n
    ? `msg!${conversationId}!~${localId ?? ''}`
    : `msg!${conversationId}!${sequenceId.toString().padStart(20, '0')}`
}

export function messageRecordBytes(record: MessageRecord): Uint8Array {
  return jsonBytes(record)
}

/** Decodes a stored record through the registry (unknown types give their fallback). */
export async function decodeMessageRecord(
  conversationId: string,
  record: MessageRecord,
  registry: ContentCodecRegistry,
): Promise<DecodedMessage> {
  const bytes = fromHex(record.c)
  let decoded: { contentType: ContentTypeId; content: unknown; fallback: string | undefined }
  let contentError: unknown
  try {
    decoded = await registry.decodeBytes(bytes)
  } catch (error) {
    contentError = error
    let contentType = unparsedContentType
    let fallback: string | undefined
    try {
      const parsed = decodeEncodedContent(bytes)
      contentType = new ContentTypeId(parsed.type)
      fallback = parsed.fallback ?? undefined
    } catch {
      // Keep the placeholder type.
    }
    decoded = { contentType, content: undefined, fallback }
  }
  return {
    id: record.id,
    conversationId,
    senderInboxId: record.s,
    senderInstallationId: record.i,
    sentAtNs: BigInt(record.t),
    kind: record.k,
    contentType: decoded.contentType,
    content: decoded.content,
    fallback: decoded.fallback,
    deliveryStatus: record.d,
    sequenceId: BigInt(record.n),
    isOwn: record.o,
    ...(contentError === undefined ? {} : { contentError }),
  }
}
