import { describe, expect, it } from 'vitest'
import { expectCode } from '../testUtils.ts'
import {
  ContentTypeWalletSendCalls,
  WalletSendCallsCodec,
  type WalletSendCallsParams,
} from './walletSendCalls.ts'

const codec = new WalletSendCallsCodec()
const json = (s: string) => ({
  type: ContentTypeWalletSendCalls,
  parameters: {},
  content: new TextEncoder().encode(s),
})

describe('WalletSendCallsCodec', () => {
  it('round-trips with metadata extras and capabilities', () => {
    const req: WalletSendCallsParams = {
      version: '1.0',
      chainId: '0x2105',
      from: '0x123',
      calls: [
        {
          to: '0x456',
          value: '0x5af3107a4000',
          metadata: { description: 'Send', transactionType: 'transfer', note: 'x' },
        },
        { data: '0xdeadbeef' },
      ],
      capabilities: { paymasterService: 'https://pm.example' },
    }
    expect(codec.decode(codec.encode(req))).toEqual(req)
    expect(codec.fallback(req)).toBe(`[Transaction request generated]: ${JSON.stringify(req)}`)
  })

  it('rejects wrong schemas', () => {
    expectCode(
      () => codec.decode(json('{"version":"1","chainId":"0x1","from":"0x1"}')),
      'ContentType::SchemaMismatch',
    )
    expectCode(
      () => codec.decode(json('{"version":"1","chainId":"0x1","from":"0x1","calls":[{"to":5}]}')),
      'ContentType::SchemaMismatch',
    )
    expectCode(
      () =>
        codec.decode(
          json('{"version":"1","chainId":"0x1","from":"0x1","calls":[{"metadata":{"description":"d"}}]}'),
        ),
      'ContentType::SchemaMismatch',
    )
    expectCode(() => codec.decode(json('nope')), 'ContentType::InvalidJson')
  })
})
