/**
 * Wallet send calls: `xmtp.org/walletSendCalls:1.0`, JSON `{version, chainId, from, calls[], capabilities?}`
 * (EIP-5792 `wallet_sendCalls` params; mls-groups.md §6.3, libxmtp wallet_send_calls.rs). Pushed.
 * @module
 */
import { assertEncodedType, type ContentCodec, type EncodedContent } from '../codec.ts'
import { ContentTypeId } from '../contentTypeId.ts'
import { ContentTypeError } from '../errors.ts'
import {
  expectArray,
  expectRecord,
  expectString,
  expectStringMap,
  jsonBytes,
  optionalString,
  parseJsonBytes,
} from '../internal.ts'

/** `xmtp.org/walletSendCalls:1.0`. */
export const ContentTypeWalletSendCalls: ContentTypeId = new ContentTypeId({
  authorityId: 'xmtp.org',
  typeId: 'walletSendCalls',
  versionMajor: 1,
  versionMinor: 0,
})

/** The metadata of one call: `description`, `transactionType` and any extra string keys. */
export type WalletCallMetadata = { description: string; transactionType: string } & Record<string, string>

/** One call. */
export interface WalletCall {
  to?: `0x${string}`
  data?: `0x${string}`
  value?: `0x${string}`
  gas?: `0x${string}`
  metadata?: WalletCallMetadata
}

/** The request (the official codec's `WalletSendCallsParams`). */
export interface WalletSendCallsParams {
  version: string
  chainId: `0x${string}`
  from: `0x${string}`
  calls: WalletCall[]
  capabilities?: Record<string, string>
}

function readCall(value: unknown, i: number): WalletCall {
  const path = `calls[${i}]`
  const c = expectRecord(value, path)
  const call: WalletCall = {}
  for (const key of ['to', 'data', 'value', 'gas'] as const) {
    const v = optionalString(c, key, path)
    if (v !== undefined) call[key] = v as `0x${string}`
  }
  if (c.metadata !== undefined && c.metadata !== null) {
    const metadata = expectStringMap(c.metadata, `${path}.metadata`)
    expectString(metadata, 'description', `${path}.metadata`)
    expectString(metadata, 'transactionType', `${path}.metadata`)
    call.metadata = metadata as WalletCallMetadata
  }
  return call
}

/** Validates a parsed request; exported for the vectors. */
export function readWalletSendCalls(value: unknown): WalletSendCallsParams {
  const o = expectRecord(value, 'walletSendCalls')
  const out: WalletSendCallsParams = {
    version: expectString(o, 'version', 'walletSendCalls'),
    chainId: expectString(o, 'chainId', 'walletSendCalls') as `0x${string}`,
    from: expectString(o, 'from', 'walletSendCalls') as `0x${string}`,
    calls: expectArray(o, 'calls', 'walletSendCalls').map(readCall),
  }
  if (o.capabilities !== undefined && o.capabilities !== null) {
    out.capabilities = expectStringMap(o.capabilities, 'walletSendCalls.capabilities')
  }
  return out
}

/**
 * The wallet send calls codec.
 * @example
 * const codec = new WalletSendCallsCodec()
 * const req = { version: '1.0', chainId: '0x2105', from: '0xabc', calls: [{ to: '0xdef', value: '0x1' }] } as const
 * codec.decode(codec.encode({ ...req, calls: [...req.calls] })).calls.length // 1
 */
export class WalletSendCallsCodec implements ContentCodec<WalletSendCallsParams> {
  get contentType(): ContentTypeId {
    return ContentTypeWalletSendCalls
  }

  encode(content: WalletSendCallsParams): EncodedContent {
    let checked: WalletSendCallsParams
    try {
      checked = readWalletSendCalls(content)
    } catch (error) {
      throw new ContentTypeError('ContentType::InvalidContent', 'not a valid wallet send calls request', {
        cause: error,
      })
    }
    return { type: ContentTypeWalletSendCalls, parameters: {}, content: jsonBytes(checked) }
  }

  /** @throws {ContentTypeError} `TypeMismatch`, `InvalidUtf8`, `InvalidJson`, `SchemaMismatch`. */
  decode(encoded: EncodedContent): WalletSendCallsParams {
    assertEncodedType(encoded, ContentTypeWalletSendCalls)
    return readWalletSendCalls(parseJsonBytes(encoded.content, 'wallet send calls'))
  }

  fallback(content: WalletSendCallsParams): string {
    return `[Transaction request generated]: ${JSON.stringify(content)}`
  }

  shouldPush(): boolean {
    return true
  }
}
