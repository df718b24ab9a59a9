/**
 * `@xmtp-lite/content-types/group-updated`.
 * @module
 */
export type { GroupUpdated, GroupUpdatedInbox, MetadataFieldChange } from './groupUpdated.ts'
export { ContentTypeGroupUpdated, emptyGroupUpdated, GroupUpdatedCodec } from './groupUpdated.ts'
