/**
 * `@xmtp-lite/content-types/wallet-send-calls`.
 * @module
 */
export type { WalletCall, WalletCallMetadata, WalletSendCallsParams } from './walletSendCalls.ts'
export { ContentTypeWalletSendCalls, WalletSendCallsCodec } from './walletSendCalls.ts'
