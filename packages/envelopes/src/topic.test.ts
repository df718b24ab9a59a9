import { fromHex, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../test/codes.ts'
import {
  buildTopic,
  groupMessagesTopic,
  identityUpdatesTopic,
  isReservedTopic,
  keyPackagesTopic,
  MAX_TOPIC_LENGTH,
  parseTopic,
  parseTopicString,
  parseV3Topic,
  payerReportAttestationsTopic,
  payerReportsTopic,
  TopicKind,
  topicToString,
  topicToV3Topic,
  v3GroupTopic,
  v3TopicToTopic,
  v3WelcomeTopic,
  welcomeMessagesTopic,
} from './topic.ts'

// The libxmtp 1.9.1 capture in shared/vectors/libxmtp-1.9.1/group-join: its group id, and the inbox id of
// the fact sheet's inbox-id vector (protocol/v3-node-api-and-identity.md §4.4).
const groupId = fromHex('8985c1f37638a2b8ebd693c7ae3bbc5c')
const inboxId = 'fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9'
const installationKey = fromHex('11'.repeat(32))

describe('kind-prefixed topics', () => {
  it('parses the examples of xmtpd pkg/topic/topic_test.go', () => {
    const topic = parseTopic(new Uint8Array([1, 2, 3]))
    expect(topic.kind).toBe(TopicKind.WelcomeMessagesV1)
    expect([...topic.identifier]).toEqual([2, 3])
    expect(codeOf(() => parseTopic(new Uint8Array([1])))).toBe('Envelope::TopicMalformed')
    expect(codeOf(() => parseTopic(new Uint8Array([255, 2, 3])))).toBe('Envelope::TopicUnknownKind')
  })

  it('builds each kind as kind byte then identifier', () => {
    expect(toHex(groupMessagesTopic(groupId).bytes)).toBe('008985c1f37638a2b8ebd693c7ae3bbc5c')
    expect(toHex(welcomeMessagesTopic(installationKey).bytes)).toBe(`01${'11'.repeat(32)}`)
    expect(toHex(identityUpdatesTopic(inboxId).bytes)).toBe(`02${inboxId}`)
    expect(toHex(identityUpdatesTopic(fromHex(inboxId)).bytes)).toBe(`02${inboxId}`)
    expect(toHex(keyPackagesTopic(installationKey).bytes)).toBe(`03${'11'.repeat(32)}`)
    // Node ids of payer-report topics are little-endian (xmtpd), unlike the big-endian payer hash.
    expect(toHex(payerReportsTopic(100).bytes)).toBe('0464000000')
    expect(toHex(payerReportAttestationsTopic(0x01020304).bytes)).toBe('0504030201')
  })

  it('round-trips through parse and the human-readable form', () => {
    for (const topic of [
      groupMessagesTopic(groupId),
      identityUpdatesTopic(inboxId),
      payerReportsTopic(200),
    ]) {
      const parsed = parseTopic(topic.bytes)
      expect(parsed).toEqual(topic)
      expect(parseTopicString(topicToString(topic))).toEqual(topic)
    }
    expect(topicToString(groupMessagesTopic(groupId))).toBe(
      'group_messages_v1/8985c1f37638a2b8ebd693c7ae3bbc5c',
    )
    expect(topicToString(welcomeMessagesTopic(new Uint8Array([0xab])))).toBe('welcome_message_v1/ab')
  })

  it('enforces the 128-byte cap on both sides', () => {
    expect(buildTopic(TopicKind.GroupMessagesV1, new Uint8Array(127)).bytes.length).toBe(MAX_TOPIC_LENGTH)
    expect(codeOf(() => buildTopic(TopicKind.GroupMessagesV1, new Uint8Array(128)))).toBe(
      'Envelope::TopicTooLong',
    )
    expect(codeOf(() => parseTopic(new Uint8Array(129)))).toBe('Envelope::TopicTooLong')
    expect(parseTopic(new Uint8Array(128)).identifier.length).toBe(127)
  })

  it('rejects empty, unknown and out-of-range inputs with typed codes', () => {
    expect(codeOf(() => parseTopic(new Uint8Array(0)))).toBe('Envelope::TopicMalformed')
    expect(codeOf(() => parseTopic(new Uint8Array([6, 1])))).toBe('Envelope::TopicUnknownKind')
    expect(codeOf(() => buildTopic(TopicKind.KeyPackagesV1, new Uint8Array(0)))).toBe(
      'Envelope::TopicMalformed',
    )
    expect(codeOf(() => buildTopic(9 as 0, new Uint8Array(1)))).toBe('Envelope::TopicUnknownKind')
    expect(codeOf(() => identityUpdatesTopic('ABC'))).toBe('Envelope::InvalidArgument')
    expect(codeOf(() => identityUpdatesTopic(inboxId.toUpperCase()))).toBe('Envelope::InvalidArgument')
    expect(codeOf(() => identityUpdatesTopic(new Uint8Array(31)))).toBe('Envelope::InvalidArgument')
    expect(codeOf(() => payerReportsTopic(-1))).toBe('Envelope::InvalidArgument')
    expect(codeOf(() => payerReportsTopic(2 ** 32))).toBe('Envelope::InvalidArgument')
    expect(codeOf(() => parseTopicString('nope'))).toBe('Envelope::TopicMalformed')
    expect(codeOf(() => parseTopicString('group_messages_v2/ab'))).toBe('Envelope::TopicUnknownKind')
    expect(codeOf(() => parseTopicString('group_messages_v1/AB'))).toBe('Envelope::TopicMalformed')
    expect(codeOf(() => parseTopicString('group_messages_v1/'))).toBe('Envelope::TopicMalformed')
  })

  it('copies its input on parse, so later mutation cannot change a parsed topic', () => {
    const input = new Uint8Array([0, 1, 2])
    const topic = parseTopic(input)
    input[1] = 9
    expect([...topic.identifier]).toEqual([1, 2])
  })

  it('marks payer-report kinds as reserved', () => {
    expect(isReservedTopic(payerReportsTopic(100))).toBe(true)
    expect(isReservedTopic(payerReportAttestationsTopic(100))).toBe(true)
    expect(isReservedTopic(groupMessagesTopic(groupId))).toBe(false)
  })
})

describe('V3 string topics', () => {
  it('builds the node-go forms', () => {
    expect(v3GroupTopic(groupId)).toBe('/xmtp/mls/1/g-8985c1f37638a2b8ebd693c7ae3bbc5c/proto')
    expect(v3WelcomeTopic(installationKey)).toBe(`/xmtp/mls/1/w-${'11'.repeat(32)}/proto`)
  })

  it('parses to typed results and converts both ways', () => {
    const parsed = parseV3Topic('/xmtp/mls/1/g-8985c1f37638a2b8ebd693c7ae3bbc5c/proto')
    expect(parsed.kind).toBe(TopicKind.GroupMessagesV1)
    expect(toHex(parsed.identifier)).toBe('8985c1f37638a2b8ebd693c7ae3bbc5c')
    expect(toHex(v3TopicToTopic(v3WelcomeTopic(installationKey)).bytes)).toBe(`01${'11'.repeat(32)}`)
    expect(topicToV3Topic(groupMessagesTopic(groupId))).toBe(v3GroupTopic(groupId))
    expect(topicToV3Topic(welcomeMessagesTopic(installationKey))).toBe(v3WelcomeTopic(installationKey))
  })

  it('has no V3 form for identity, key-package and reserved topics', () => {
    expect(codeOf(() => topicToV3Topic(identityUpdatesTopic(inboxId)))).toBe('Envelope::TopicNoV3Form')
    expect(codeOf(() => topicToV3Topic(keyPackagesTopic(installationKey)))).toBe('Envelope::TopicNoV3Form')
    expect(codeOf(() => topicToV3Topic(payerReportsTopic(100)))).toBe('Envelope::TopicNoV3Form')
  })

  it('rejects every non-canonical string', () => {
    const bad = [
      '/xmtp/mls/2/g-ab/proto',
      'xmtp/mls/1/g-ab/proto',
      '/xmtp/mls/1/g-ab/json',
      '/xmtp/mls/1/x-ab/proto',
      '/xmtp/mls/1/g-/proto',
      '/xmtp/mls/1/g-AB/proto',
      '/xmtp/mls/1/g-abc/proto',
      '/xmtp/mls/1/g-zz/proto',
      '/xmtp/mls/1/g-0xab/proto',
      '/xmtp/0/m-123/proto',
      '',
    ]
    for (const topic of bad)
      expect(
        codeOf(() => parseV3Topic(topic)),
        topic,
      ).toBe('Envelope::TopicMalformed')
    expect(codeOf(() => parseV3Topic(`/xmtp/mls/1/g-${'ab'.repeat(128)}/proto`))).toBe(
      'Envelope::TopicTooLong',
    )
    expect(codeOf(() => v3GroupTopic(new Uint8Array(0)))).toBe('Envelope::TopicMalformed')
    // An identifier one byte past what a kind-prefixed topic can hold (128 bytes with the kind byte).
    expect(codeOf(() => v3GroupTopic(new Uint8Array(128)))).toBe('Envelope::TopicTooLong')
    expect(codeOf(() => v3WelcomeTopic(new Uint8Array(128)))).toBe('Envelope::TopicTooLong')
    expect(v3TopicToTopic(v3GroupTopic(new Uint8Array(127))).bytes.length).toBe(128)
  })
})
