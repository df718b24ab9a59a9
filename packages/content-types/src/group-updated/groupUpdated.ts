/**
 * Group updated: `xmtp.org/group_updated:1.0`, protobuf `GroupUpdated` (transcript_messages.proto;
 * mls-groups.md §6.3 "Details"). Each client produces it locally from a validated commit; it is never sent
 * over MLS. No fallback; not pushed.
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import { decodeProtobuf, plainBytes } from '../internal.ts'

const GroupUpdatedMessage = xmtp.mls.message_contents.GroupUpdated

/** `xmtp.org/group_updated:1.0`. */
export const ContentTypeGroupUpdated: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'group_updated',
  versionMajor: 1,
  versionMinor: 0,
})

/** `GroupUpdated.Inbox`. */
export interface GroupUpdatedInbox {
  inboxId: string
}

/** `GroupUpdated.MetadataFieldChange`; absent old/new values mean "unset". */
export interface MetadataFieldChange {
  fieldName: string
  oldValue?: string
  newValue?: string
}

/** What a commit changed (field numbers 1-9 of `GroupUpdated`). */
export interface GroupUpdated {
  initiatedByInboxId: string
  addedInboxes: GroupUpdatedInbox[]
  removedInboxes: GroupUpdatedInbox[]
  metadataFieldChanges: MetadataFieldChange[]
  /** Removed after their own leave request (field 5). */
  leftInboxes: GroupUpdatedInbox[]
  addedAdminInboxes: GroupUpdatedInbox[]
  removedAdminInboxes: GroupUpdatedInbox[]
  addedSuperAdminInboxes: GroupUpdatedInbox[]
  removedSuperAdminInboxes: GroupUpdatedInbox[]
}

const inboxLists = [
  'addedInboxes',
  'removedInboxes',
  'leftInboxes',
  'addedAdminInboxes',
  'removedAdminInboxes',
  'addedSuperAdminInboxes',
  'removedSuperAdminInboxes',
] as const

/** A `GroupUpdated` with every list empty, to fill in. */
export function emptyGroupUpdated(initiatedByInboxId: string): GroupUpdated {
  return {
    initiatedByInboxId,
    addedInboxes: [],
    removedInboxes: [],
    metadataFieldChanges: [],
    leftInboxes: [],
    addedAdminInboxes: [],
    removedAdminInboxes: [],
    addedSuperAdminInboxes: [],
    removedSuperAdminInboxes: [],
  }
}

/**
 * The group updated codec.
 * @example
 * const codec = new GroupUpdatedCodec()
 * const update = { ...emptyGroupUpdated('alice'), addedInboxes: [{ inboxId: 'bob' }] }
 * codec.decode(codec.encode(update)).addedInboxes // [{ inboxId: 'bob' }]
 */
export class GroupUpdatedCodec implements ContentCodec<GroupUpdated> {
  get contentType(): ContentTypeId {
    return ContentTypeGroupUpdated
  }

  /** Missing lists are taken as empty. */
  encode(content: GroupUpdated): EncodedContent {
    if (typeof content?.initiatedByInboxId !== 'string') {
      throw new ContentTypeError('ContentType::InvalidContent', 'initiatedByInboxId must be a string')
    }
    const message: xmtp.mls.message_contents.GroupUpdated.$Properties = {
      initiatedByInboxId: content.initiatedByInboxId,
      metadataFieldChanges: (content.metadataFieldChanges ?? []).map((c) => {
        const change: xmtp.mls.message_contents.GroupUpdated.MetadataFieldChange.$Properties = {
          fieldName: c.fieldName,
        }
        if (c.oldValue !== undefined) change.oldValue = c.oldValue
        if (c.newValue !== undefined) change.newValue = c.newValue
        return change
      }),
    }
    for (const list of inboxLists) message[list] = (content[list] ?? []).map((i) => ({ inboxId: i.inboxId }))
    return {
      type: ContentTypeGroupUpdated,
      parameters: {},
      content: GroupUpdatedMessage.encode(message).finish(),
    }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `MalformedProtobuf`. */
  decode(encoded: EncodedContent): GroupUpdated {
    assertEncodedType(encoded, ContentTypeGroupUpdated)
    const m = decodeProtobuf('GroupUpdated', () =>
      decodeMessage(GroupUpdatedMessage, plainBytes(encoded.content)),
    )
    const out = emptyGroupUpdated(m.initiatedByInboxId)
    for (const list of inboxLists) out[list] = m[list].map((i) => ({ inboxId: i.inboxId }))
    out.metadataFieldChanges = m.metadataFieldChanges.map((c) => {
      const change: MetadataFieldChange = { fieldName: c.fieldName }
      if (c.oldValue !== null && c.oldValue !== undefined) change.oldValue = c.oldValue
      if (c.newValue !== null && c.newValue !== undefined) change.newValue = c.newValue
      return change
    })
    return out
  }

  fallback(): undefined {
    return undefined
  }

  shouldPush(): boolean {
    return false
  }
}
