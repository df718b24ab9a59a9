import { describe, expect, it } from 'vitest'
import { expectCode } from '../testUtils.ts'
import { ContentTypeTransactionReference, TransactionReferenceCodec } from './transactionReference.ts'

const codec = new TransactionReferenceCodec()
const json = (s: string) => ({
  type: ContentTypeTransactionReference,
  parameters: {},
  content: new TextEncoder().encode(s),
})

describe('TransactionReferenceCodec', () => {
  it('round-trips, with libxmtp key order', () => {
    const tx = {
      networkId: 8453,
      reference: '0xabc',
      namespace: 'eip155',
      metadata: {
        transactionType: 'transfer',
        currency: 'USDC',
        amount: 1.25,
        decimals: 6,
        fromAddress: '0x1',
        toAddress: '0x2',
      },
    }
    const encoded = codec.encode(tx)
    expect(
      new TextDecoder().decode(encoded.content).startsWith('{"namespace":"eip155","networkId":8453,'),
    ).toBe(true)
    expect(codec.decode(encoded)).toEqual(tx)
    expect(codec.fallback(tx)).toBe(
      '[Crypto transaction] Use a blockchain explorer to learn more using the transaction hash: 0xabc',
    )
    expect(codec.fallback({ networkId: '1', reference: '' })).toBe('Crypto transaction')
    expect(codec.shouldPush()).toBe(true)
  })

  it('rejects bad JSON and wrong schemas with typed errors', () => {
    expectCode(() => codec.decode(json('{"networkId":')), 'ContentType::InvalidJson')
    expectCode(() => codec.decode(json('[]')), 'ContentType::SchemaMismatch')
    expectCode(() => codec.decode(json('{"networkId":true,"reference":"0x"}')), 'ContentType::SchemaMismatch')
    expectCode(() => codec.decode(json('{"networkId":"1"}')), 'ContentType::SchemaMismatch')
    expectCode(
      () => codec.decode(json('{"networkId":"1","reference":"0x","metadata":{"currency":"ETH"}}')),
      'ContentType::SchemaMismatch',
    )
    expectCode(() => codec.encode({ reference: '0x' } as never), 'ContentType::InvalidContent')
  })
})
