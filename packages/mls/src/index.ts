/**
 * `@xmtp-lite/mls`: XMTP groups on ts-mls, wire-compatible with libxmtp.
 * @module
 */
export type { MlsErrorCode } from './errors.ts'
export { MlsError, mlsErrorCodes } from './errors.ts'
