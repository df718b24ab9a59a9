/**
 * `@xmtp-lite/content-types/leave-request`.
 * @module
 */
export type { LeaveRequest } from './leaveRequest.ts'
export { ContentTypeLeaveRequest, LeaveRequestCodec } from './leaveRequest.ts'
