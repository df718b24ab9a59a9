/**
 * `@xmtp-lite/content-types/group-membership-change` (legacy).
 * @module
 */
export type { GroupMembershipChanges, MembershipChange } from './groupMembershipChange.ts'
export { ContentTypeGroupMembershipChange, GroupMembershipChangeCodec } from './groupMembershipChange.ts'
