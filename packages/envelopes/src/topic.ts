/**
 * Topics: the xmtpd kind-prefixed byte topics and the V3 string topics, built and parsed with typed results.
 *
 * - Byte topics (XIP-49 §3.3.2; protocol/xmtpd-network.md §2; xmtpd `pkg/topic/topic.go`, libxmtp
 *   `xmtp_proto/src/types/topic.rs`): one kind byte, then the raw identifier; 2 to 128 bytes in total.
 *   Human-readable form `<kind label>/<lowercase hex identifier>`.
 * - V3 string topics (protocol/v3-node-api-and-identity.md §5.1; xmtp-node-go `pkg/topic/mls.go`):
 *   `/xmtp/mls/1/g-<hex group id>/proto` and `/xmtp/mls/1/w-<hex installation key>/proto`. Only these two
 *   kinds have a V3 string form.
 * @module
 */
import { toHex } from '@xmtp-lite/common'
import { EnvelopeError } from './errors.ts'

/** The topic kinds (first byte of a byte topic). */
export const TopicKind = {
  /** Identifier: the MLS group id (16 bytes in libxmtp). Payload: `group_message`. */
  GroupMessagesV1: 0,
  /** Identifier: the installation key (32 bytes), or a random 32-byte welcome-pointer destination. */
  WelcomeMessagesV1: 1,
  /** Identifier: the inbox id as 32 raw bytes (its hex string decoded). */
  IdentityUpdatesV1: 2,
  /** Identifier: the installation key. */
  KeyPackagesV1: 3,
  /** Reserved (nodes only): the originator node id as 4-byte little-endian uint32. xmtpd only. */
  PayerReportsV1: 4,
  /** Reserved (nodes only): the originator node id as 4-byte little-endian uint32. xmtpd only. */
  PayerReportAttestationsV1: 5,
} as const

/** A topic kind's name. */
export type TopicKindName = keyof typeof TopicKind
/** A topic kind's byte value. */
export type TopicKindValue = (typeof TopicKind)[TopicKindName]

/** The labels xmtpd prints for each kind (note the singular `welcome_message_v1`, as upstream). */
export const topicKindLabels: Readonly<Record<TopicKindValue, string>> = Object.freeze({
  0: 'group_messages_v1',
  1: 'welcome_message_v1',
  2: 'identity_updates_v1',
  3: 'key_packages_v1',
  4: 'payer_reports_v1',
  5: 'payer_report_attestations_v1',
})

/** The longest byte topic xmtpd accepts (`maxTopicLength`, protocol/xmtpd-network.md §4.5). */
export const MAX_TOPIC_LENGTH = 128

/** The V3 topic prefix (xmtp-node-go `mlsv1Prefix`). */
export const V3_TOPIC_PREFIX = '/xmtp/mls/1/'

/** A parsed kind-prefixed topic. `bytes` is the full wire form (kind byte and identifier). */
export interface Topic {
  readonly kind: TopicKindValue
  readonly identifier: Uint8Array
  readonly bytes: Uint8Array
}

/** True for a byte that names a known topic kind. */
export function isTopicKind(value: number): value is TopicKindValue {
  return Number.isInteger(value) && value >= 0 && value <= 5
}

/** True for the kinds only nodes may publish to (payer reports and attestations, xmtpd `IsReserved`). */
export function isReservedTopic(topic: Topic): boolean {
  return topic.kind === TopicKind.PayerReportsV1 || topic.kind === TopicKind.PayerReportAttestationsV1
}

/**
 * Builds a byte topic from its kind and identifier.
 * @throws {EnvelopeError} `Envelope::TopicUnknownKind`, `Envelope::TopicMalformed` (empty identifier),
 *   `Envelope::TopicTooLong`.
 */
export function buildTopic(kind: TopicKindValue, identifier: Uint8Array): Topic {
  if (!isTopicKind(kind)) throw new EnvelopeError('Envelope::TopicUnknownKind', `unknown topic kind ${kind}`)
  if (identifier.length === 0)
    throw new EnvelopeError('Envelope::TopicMalformed', 'topic identifier is empty')
  if (identifier.length + 1 > MAX_TOPIC_LENGTH) {
    throw new EnvelopeError('Envelope::TopicTooLong', `topic of ${identifier.length + 1} bytes exceeds 128`)
  }
  const bytes = new Uint8Array(identifier.length + 1)
  bytes[0] = kind
  bytes.set(identifier, 1)
  return { kind, identifier: bytes.subarray(1), bytes }
}

/**
 * Parses a byte topic. The result holds a copy of the input.
 * Checks in xmtpd's order: the API length cap, then at least 2 bytes, then a known kind.
 * @throws {EnvelopeError} `Envelope::TopicTooLong`, `Envelope::TopicMalformed`, `Envelope::TopicUnknownKind`.
 */
export function parseTopic(bytes: Uint8Array): Topic {
  if (bytes.length > MAX_TOPIC_LENGTH) {
    throw new EnvelopeError('Envelope::TopicTooLong', `topic of ${bytes.length} bytes exceeds 128`)
  }
  if (bytes.length < 2) {
    throw new EnvelopeError(
      'Envelope::TopicMalformed',
      'topic must be at least 2 bytes (kind and identifier)',
    )
  }
  const kind = bytes[0] as number
  if (!isTopicKind(kind)) throw new EnvelopeError('Envelope::TopicUnknownKind', `unknown topic kind ${kind}`)
  const copy = bytes.slice()
  return { kind, identifier: copy.subarray(1), bytes: copy }
}

/** `group_messages_v1` topic of an MLS group. */
export function groupMessagesTopic(groupId: Uint8Array): Topic {
  return buildTopic(TopicKind.GroupMessagesV1, groupId)
}

/** `welcome_message_v1` topic of an installation (or of a welcome-pointer destination). */
export function welcomeMessagesTopic(installationKey: Uint8Array): Topic {
  return buildTopic(TopicKind.WelcomeMessagesV1, installationKey)
}

/** `key_packages_v1` topic of an installation. */
export function keyPackagesTopic(installationKey: Uint8Array): Topic {
  return buildTopic(TopicKind.KeyPackagesV1, installationKey)
}

/**
 * `identity_updates_v1` topic of an inbox: the identifier is the inbox id's 32 raw bytes.
 * @param inboxId the 64-character lowercase hex inbox id, or its 32 bytes.
 * @throws {EnvelopeError} `Envelope::InvalidArgument` when the inbox id is not 32 bytes / 64 lowercase hex.
 */
export function identityUpdatesTopic(inboxId: string | Uint8Array): Topic {
  let raw: Uint8Array
  if (typeof inboxId === 'string') {
    if (!/^[0-9a-f]{64}$/.test(inboxId)) {
      throw new EnvelopeError('Envelope::InvalidArgument', 'inbox id must be 64 lowercase hex characters')
    }
    raw = hexToBytesStrict(inboxId)
  } else {
    if (inboxId.length !== 32) {
      throw new EnvelopeError('Envelope::InvalidArgument', `inbox id must be 32 bytes, got ${inboxId.length}`)
    }
    raw = inboxId
  }
  return buildTopic(TopicKind.IdentityUpdatesV1, raw)
}

function nodeIdLittleEndian(nodeId: number): Uint8Array {
  if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 0xffffffff) {
    throw new EnvelopeError('Envelope::InvalidArgument', `node id ${nodeId} is not a uint32`)
  }
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, nodeId, true)
  return out
}

/** `payer_reports_v1` topic of an originator (reserved: nodes only; 4-byte little-endian node id). */
export function payerReportsTopic(originatorNodeId: number): Topic {
  return buildTopic(TopicKind.PayerReportsV1, nodeIdLittleEndian(originatorNodeId))
}

/** `payer_report_attestations_v1` topic of an originator (reserved: nodes only). */
export function payerReportAttestationsTopic(originatorNodeId: number): Topic {
  return buildTopic(TopicKind.PayerReportAttestationsV1, nodeIdLittleEndian(originatorNodeId))
}

/** The human-readable form xmtpd logs and keys listeners by: `<kind label>/<lowercase hex identifier>`. */
export function topicToString(topic: Topic): string {
  return `${topicKindLabels[topic.kind]}/${toHex(topic.identifier)}`
}

const labelToKind = new Map<string, TopicKindValue>(
  Object.entries(topicKindLabels).map(([k, label]) => [label, Number(k) as TopicKindValue]),
)

/**
 * Parses the human-readable form (`group_messages_v1/ab12…`). Hex must be lowercase.
 * @throws {EnvelopeError} `Envelope::TopicMalformed`, `Envelope::TopicUnknownKind`, `Envelope::TopicTooLong`.
 */
export function parseTopicString(text: string): Topic {
  const slash = text.indexOf('/')
  if (slash < 0) throw new EnvelopeError('Envelope::TopicMalformed', 'topic string has no "/"')
  const kind = labelToKind.get(text.slice(0, slash))
  if (kind === undefined) {
    throw new EnvelopeError('Envelope::TopicUnknownKind', 'unknown topic kind label', {
      details: text.slice(0, Math.min(slash, 64)),
    })
  }
  return buildTopic(kind, parseIdentifierHex(text.slice(slash + 1)))
}

// --- V3 string topics --------------------------------------------------------------------------------

/** A parsed V3 string topic: a group's messages or an installation's welcomes. */
export interface V3Topic {
  readonly kind: typeof TopicKind.GroupMessagesV1 | typeof TopicKind.WelcomeMessagesV1
  readonly identifier: Uint8Array
  /** The canonical string. */
  readonly topic: string
}

function v3Build(letter: 'g' | 'w', identifier: Uint8Array): string {
  if (identifier.length === 0)
    throw new EnvelopeError('Envelope::TopicMalformed', 'topic identifier is empty')
  if (identifier.length + 1 > MAX_TOPIC_LENGTH) {
    throw new EnvelopeError('Envelope::TopicTooLong', 'identifier too long for a kind-prefixed topic')
  }
  return `${V3_TOPIC_PREFIX}${letter}-${toHex(identifier)}/proto`
}

/** `/xmtp/mls/1/g-<hex group id>/proto`. */
export function v3GroupTopic(groupId: Uint8Array): string {
  return v3Build('g', groupId)
}

/** `/xmtp/mls/1/w-<hex installation key>/proto`. */
export function v3WelcomeTopic(installationKey: Uint8Array): string {
  return v3Build('w', installationKey)
}

/**
 * Parses a V3 string topic. Only the canonical form is accepted: the exact prefix and suffix, `g-` or `w-`,
 * non-empty lowercase hex (node-go routes on exact strings, so `AB` and `ab` would be two topics).
 * Identifiers longer than 127 bytes are refused so that every V3 topic has a byte-topic form.
 * @throws {EnvelopeError} `Envelope::TopicMalformed`, `Envelope::TopicTooLong`.
 */
export function parseV3Topic(topic: string): V3Topic {
  if (!topic.startsWith(V3_TOPIC_PREFIX) || !topic.endsWith('/proto')) {
    throw new EnvelopeError('Envelope::TopicMalformed', 'not a V3 MLS topic (/xmtp/mls/1/…/proto)')
  }
  const middle = topic.slice(V3_TOPIC_PREFIX.length, topic.length - '/proto'.length)
  let kind: V3Topic['kind']
  if (middle.startsWith('g-')) kind = TopicKind.GroupMessagesV1
  else if (middle.startsWith('w-')) kind = TopicKind.WelcomeMessagesV1
  else throw new EnvelopeError('Envelope::TopicMalformed', 'V3 topic is neither g- (group) nor w- (welcome)')
  const identifier = parseIdentifierHex(middle.slice(2))
  return { kind, identifier, topic }
}

/**
 * The byte topic for a V3 string topic (g- → kind 0, w- → kind 1).
 * @throws {EnvelopeError} as {@link parseV3Topic}.
 */
export function v3TopicToTopic(topic: string): Topic {
  const parsed = parseV3Topic(topic)
  return buildTopic(parsed.kind, parsed.identifier)
}

/**
 * The V3 string topic for a byte topic. Only group-message and welcome topics have one.
 * @throws {EnvelopeError} `Envelope::TopicNoV3Form` for other kinds.
 */
export function topicToV3Topic(topic: Topic): string {
  if (topic.kind === TopicKind.GroupMessagesV1) return v3GroupTopic(topic.identifier)
  if (topic.kind === TopicKind.WelcomeMessagesV1) return v3WelcomeTopic(topic.identifier)
  throw new EnvelopeError('Envelope::TopicNoV3Form', `${topicKindLabels[topic.kind]} has no V3 string topic`)
}

function parseIdentifierHex(hex: string): Uint8Array {
  if (hex.length === 0) throw new EnvelopeError('Envelope::TopicMalformed', 'topic identifier is empty')
  if (hex.length > 2 * (MAX_TOPIC_LENGTH - 1)) {
    throw new EnvelopeError('Envelope::TopicTooLong', 'topic identifier longer than 127 bytes')
  }
  if (hex.length % 2 !== 0 || !/^[0-9a-f]+$/.test(hex)) {
    throw new EnvelopeError(
      'Envelope::TopicMalformed',
      'topic identifier is not lowercase hex of whole bytes',
    )
  }
  return hexToBytesStrict(hex)
}

/** Lowercase-hex decoding for strings already checked by a regex. */
function hexToBytesStrict(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}
