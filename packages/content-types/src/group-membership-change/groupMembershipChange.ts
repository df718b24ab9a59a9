/**
 * Membership change (legacy): `xmtp.org/group_membership_change:1.0`, protobuf `GroupMembershipChanges {
 * members_added = 1; members_removed = 2; installations_added = 3; installations_removed = 4 }` of
 * `MembershipChange { repeated bytes installation_ids = 1; account_address = 2;
 * initiated_by_account_address = 3 }` (transcript_messages.proto; mls-groups.md §6.3). Superseded by
 * group updated; decoded for old histories. No fallback; not pushed.
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { decodeProtobuf, plainBytes } from '../internal.ts'

const ChangesMessage = xmtp.mls.message_contents.GroupMembershipChanges

/** `xmtp.org/group_membership_change:1.0`. */
export const ContentTypeGroupMembershipChange: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'group_membership_change',
  versionMajor: 1,
  versionMinor: 0,
})

/** One member's change. */
export interface MembershipChange {
  installationIds: Uint8Array[]
  accountAddress: string
  initiatedByAccountAddress: string
}

/** The legacy membership transcript. */
export interface GroupMembershipChanges {
  membersAdded: MembershipChange[]
  membersRemoved: MembershipChange[]
  installationsAdded: MembershipChange[]
  installationsRemoved: MembershipChange[]
}

const lists = ['membersAdded', 'membersRemoved', 'installationsAdded', 'installationsRemoved'] as const

function copy(c: MembershipChange): MembershipChange {
  return {
    installationIds: [...c.installationIds],
    accountAddress: c.accountAddress,
    initiatedByAccountAddress: c.initiatedByAccountAddress,
  }
}

/**
 * The legacy membership change codec.
 * @example
 * const codec = new GroupMembershipChangeCodec()
 * const empty = { membersAdded: [], membersRemoved: [], installationsAdded: [], installationsRemoved: [] }
 * codec.decode(codec.encode(empty))
 */
export class GroupMembershipChangeCodec implements ContentCodec<GroupMembershipChanges> {
  get contentType(): ContentTypeId {
    return ContentTypeGroupMembershipChange
  }

  encode(content: GroupMembershipChanges): EncodedContent {
    const message: xmtp.mls.message_contents.GroupMembershipChanges.$Properties = {}
    for (const list of lists) {
      const entries = content?.[list] ?? []
      if (!Array.isArray(entries))
        throw new ContentTypeError('ContentType::InvalidContent', `${list} must be an array`)
      message[list] = entries.map(copy)
    }
    return {
      type: ContentTypeGroupMembershipChange,
      parameters: {},
      content: ChangesMessage.encode(message).finish(),
    }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `MalformedProtobuf`. */
  decode(encoded: EncodedContent): GroupMembershipChanges {
    assertEncodedType(encoded, ContentTypeGroupMembershipChange)
    const m = decodeProtobuf('GroupMembershipChanges', () =>
      decodeMessage(ChangesMessage, plainBytes(encoded.content)),
    )
    return {
      membersAdded: m.membersAdded.map(copy),
      membersRemoved: m.membersRemoved.map(copy),
      installationsAdded: m.installationsAdded.map(copy),
      installationsRemoved: m.installationsRemoved.map(copy),
    }
  }

  fallback(): undefined {
    return undefined
  }

  shouldPush(): boolean {
    return false
  }
}
