/**
 * `@xmtp-lite/content-types/actions`.
 * @module
 */
export type { Action, ActionStyleValue, Actions } from './actions.ts'
export { ActionStyle, ActionsCodec, ContentTypeActions, MAX_ACTIONS } from './actions.ts'
