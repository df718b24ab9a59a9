/**
 * `@xmtp-lite/interop`: the official XMTP SDK as a test oracle.
 * @module
 */
export type { SdkClientInfo, SdkDriverOptions, SdkGroupState, SdkMessage } from './driver.ts'
export { SdkDriver } from './driver.ts'
export type { InteropErrorCode } from './errors.ts'
export { InteropError, interopErrorCodes } from './errors.ts'
export { findNode22 } from './node22.ts'
