/**
 * `@xmtp-lite/devnet`: a local XMTP devnet of node-lite nodes replicating like xmtpd, with fault controls
 * and a live status page.
 * @module
 */
export type { Devnet, DevnetNode, DevnetTableRow, StartDevnetParams } from './devnet.ts'
export { startDevnet } from './devnet.ts'
export type { DevnetErrorCode } from './errors.ts'
export { DevnetError, devnetErrorCodes } from './errors.ts'
export type { DevnetFlags } from './flags.ts'
export { checkFlags, flagsOfNode, parseFlagArgs } from './flags.ts'
export { devnetNodeId, devnetPrivateKey, devnetPublicKey } from './keys.ts'
export { FaultProxy } from './proxy.ts'
export type { DevnetStatus, StatusServer } from './status.ts'
export { startStatusServer } from './status.ts'
