import { describe, expect, it } from 'vitest'
import { ContentTypeDeleteMessage, DeleteMessageCodec } from './delete-message/deleteMessage.ts'
import { GroupMembershipChangeCodec } from './group-membership-change/groupMembershipChange.ts'
import { emptyGroupUpdated, GroupUpdatedCodec } from './group-updated/groupUpdated.ts'
import { ContentTypeLeaveRequest, LeaveRequestCodec } from './leave-request/leaveRequest.ts'
import {
  ContentTypeMultiRemoteAttachment,
  MultiRemoteAttachmentCodec,
} from './multi-remote-attachment/multiRemoteAttachment.ts'
import { ContentTypeReactionV2, ReactionV2Codec } from './reaction/reactionV2.ts'
import { expectCode } from './testUtils.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'))

describe('ReactionV2Codec', () => {
  const codec = new ReactionV2Codec()
  it('writes the ReactionV2 field numbers (known answer)', () => {
    const encoded = codec.encode({ reference: 'ab', action: 'removed', content: 'x', schema: 'custom' })
    // reference=1 "ab", action=3 REMOVED(2), content=4 "x", schema=5 CUSTOM(3); empty reference_inbox_id omitted.
    expect(hex(encoded.content)).toBe('0a02616218022201782803')
    expect(codec.decode(encoded)).toEqual({
      reference: 'ab',
      action: 'removed',
      content: 'x',
      schema: 'custom',
    })
  })

  it('refuses UNSPECIFIED or unknown enums and truncated protobuf', () => {
    const v = (h: string) => ({ type: ContentTypeReactionV2, parameters: {}, content: bytes(h) })
    expectCode(() => codec.decode(v('0a02616218002201782801')), 'ContentType::SchemaMismatch')
    expectCode(() => codec.decode(v('0a02616218012201782809')), 'ContentType::SchemaMismatch')
    expectCode(() => codec.decode(v('0a0561')), 'ContentType::MalformedProtobuf')
  })
})

describe('MultiRemoteAttachmentCodec', () => {
  const codec = new MultiRemoteAttachmentCodec()
  const info = {
    url: 'https://cdn.example/1',
    contentDigest: 'ab'.repeat(32),
    secret: new Uint8Array(32).fill(1),
    salt: new Uint8Array(32).fill(2),
    nonce: new Uint8Array(12).fill(3),
    scheme: 'https://',
    contentLength: 0,
    filename: 'a.png',
  }
  it('round-trips, keeping presence of contentLength 0', () => {
    const { filename: _f, contentLength: _c, ...bare } = info
    const value = { attachments: [info, bare] }
    expect(codec.decode(codec.encode(value))).toEqual(value)
    expect(codec.decode(codec.encode({ attachments: [] }))).toEqual({ attachments: [] })
  })

  it('rejects http, bad digests and truncated bytes', () => {
    expectCode(
      () => codec.encode({ attachments: [{ ...info, url: 'http://x/y' }] }),
      'ContentType::InsecureUrl',
    )
    expectCode(
      () => codec.encode({ attachments: [{ ...info, secret: new Uint8Array(3) }] }),
      'ContentType::InvalidContent',
    )
    const good = codec.encode({ attachments: [info] })
    expectCode(
      () => codec.decode({ ...good, content: good.content.subarray(0, 20) }),
      'ContentType::MalformedProtobuf',
    )
    // RemoteAttachmentInfo { content_digest = "abc" }
    const badDigest = {
      type: ContentTypeMultiRemoteAttachment,
      parameters: {},
      content: bytes('0a050a03616263'),
    }
    expectCode(() => codec.decode(badDigest), 'ContentType::SchemaMismatch')
  })
})

describe('DeleteMessageCodec and LeaveRequestCodec', () => {
  it('delete message: DeleteMessage { message_id = 1 } (known answer)', () => {
    const codec = new DeleteMessageCodec()
    const encoded = codec.encode({ messageId: 'ab' })
    expect(hex(encoded.content)).toBe('0a026162')
    expect(codec.decode(encoded)).toEqual({ messageId: 'ab' })
    expect(codec.fallback()).toBeUndefined()
    expect(codec.shouldPush()).toBe(false)
    expectCode(
      () => codec.decode({ type: ContentTypeDeleteMessage, parameters: {}, content: new Uint8Array() }),
      'ContentType::SchemaMismatch',
    )
    expectCode(
      () => codec.decode({ type: ContentTypeDeleteMessage, parameters: {}, content: bytes('0a0561') }),
      'ContentType::MalformedProtobuf',
    )
  })

  it('leave request: LeaveRequest { optional bytes authenticated_note = 1 } (known answer)', () => {
    const codec = new LeaveRequestCodec()
    expect(codec.encode({}).content.length).toBe(0)
    expect(codec.encode().type.typeId).toBe('leave_request')
    const withNote = codec.encode({ authenticatedNote: new Uint8Array([0xff]) })
    expect(hex(withNote.content)).toBe('0a01ff')
    expect(codec.decode(withNote)).toEqual({ authenticatedNote: new Uint8Array([0xff]) })
    // Presence of an empty note is kept (proto3 optional).
    expect(codec.decode({ type: ContentTypeLeaveRequest, parameters: {}, content: bytes('0a00') })).toEqual({
      authenticatedNote: new Uint8Array(),
    })
    expectCode(
      () => codec.decode({ type: ContentTypeLeaveRequest, parameters: {}, content: bytes('0a05ff') }),
      'ContentType::MalformedProtobuf',
    )
  })
})

describe('GroupUpdatedCodec and GroupMembershipChangeCodec', () => {
  it('group updated round-trips every field and rejects truncation', () => {
    const codec = new GroupUpdatedCodec()
    const update = {
      ...emptyGroupUpdated('alice'),
      addedInboxes: [{ inboxId: 'bob' }],
      leftInboxes: [{ inboxId: 'carol' }],
      removedSuperAdminInboxes: [{ inboxId: 'dave' }],
      metadataFieldChanges: [{ fieldName: 'group_name', oldValue: '' }],
    }
    const encoded = codec.encode(update)
    expect(codec.decode(encoded)).toEqual(update)
    expectCode(
      () => codec.decode({ ...encoded, content: encoded.content.subarray(0, 9) }),
      'ContentType::MalformedProtobuf',
    )
    expectCode(() => codec.encode({} as never), 'ContentType::InvalidContent')
  })

  it('membership change round-trips', () => {
    const codec = new GroupMembershipChangeCodec()
    const change = {
      membersAdded: [
        { installationIds: [new Uint8Array([1])], accountAddress: '0xa', initiatedByAccountAddress: '0xb' },
      ],
      membersRemoved: [],
      installationsAdded: [],
      installationsRemoved: [],
    }
    expect(codec.decode(codec.encode(change))).toEqual(change)
  })
})
