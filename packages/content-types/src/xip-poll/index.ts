/**
 * `@xmtp-lite/content-types/xip-poll`: the draft poll content type (xips/xip-poll.md, flag `xip-poll`).
 * @module
 */
export type { Poll } from './poll.ts'
export { ContentTypePoll, POLL_LIMITS, PollCodec, readPoll } from './poll.ts'
