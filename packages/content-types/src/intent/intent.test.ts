import { describe, expect, it } from 'vitest'
import { expectCode } from '../testUtils.ts'
import { ContentTypeIntent, IntentCodec } from './intent.ts'

const codec = new IntentCodec()
const json = (s: string) => ({
  type: ContentTypeIntent,
  parameters: {},
  content: new TextEncoder().encode(s),
})

describe('IntentCodec', () => {
  it('round-trips with free JSON metadata', () => {
    const intent = { id: 'q', actionId: 'turkey', metadata: { lbs: '7', hugs: true, n: [1, { x: null }] } }
    const encoded = codec.encode(intent)
    expect(new TextDecoder().decode(encoded.content)).toBe(JSON.stringify(intent))
    expect(codec.decode(encoded)).toEqual(intent)
    expect(codec.fallback(intent)).toBe('User selected action: turkey')
  })

  it('caps metadata at 10 KiB and rejects wrong schemas', () => {
    expectCode(
      () => codec.encode({ id: 'q', actionId: 'a', metadata: { big: 'x'.repeat(10 * 1024) } }),
      'ContentType::ContentTooLarge',
    )
    expectCode(() => codec.decode(json('{"id":"q"}')), 'ContentType::SchemaMismatch')
    expectCode(
      () => codec.decode(json('{"id":"q","actionId":"a","metadata":[1]}')),
      'ContentType::SchemaMismatch',
    )
    expectCode(() => codec.decode(json('{"id":"q",')), 'ContentType::InvalidJson')
  })
})
