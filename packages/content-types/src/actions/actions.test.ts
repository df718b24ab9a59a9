import { describe, expect, it } from 'vitest'
import { IntentCodec } from '../intent/intent.ts'
import { expectCode } from '../testUtils.ts'
import { type Actions, ActionsCodec, ContentTypeActions } from './actions.ts'

const codec = new ActionsCodec()
const json = (s: string) => ({
  type: ContentTypeActions,
  parameters: {},
  content: new TextEncoder().encode(s),
})

const sample: Actions = {
  id: 'thanksgiving_selection',
  description: 'Grandma is asking for your input',
  actions: [
    { id: 'turkey', label: 'The Turkey', imageUrl: 'https://img.example/t.jpg', style: 'primary' },
    { id: 'pork', label: 'Pork Loin', expiresAt: new Date(Date.UTC(2025, 0, 15, 12, 30, 45)) },
  ],
  expiresAt: new Date(Date.UTC(2025, 11, 31, 23, 59, 59)),
}

describe('ActionsCodec', () => {
  it('round-trips with RFC 3339 millisecond UTC timestamps', () => {
    const encoded = codec.encode(sample)
    const wire = new TextDecoder().decode(encoded.content)
    expect(wire).toContain('"expiresAt":"2025-01-15T12:30:45.000Z"')
    expect(wire).toContain('"expiresAt":"2025-12-31T23:59:59.000Z"')
    expect(codec.decode(encoded)).toEqual(sample)
    expect(codec.fallback(sample)).toBe(
      'Grandma is asking for your input\n\n[1] The Turkey\n[2] Pork Loin\n\nReply with the number to select',
    )
  })

  it('accepts offsets and snake_case aliases on decode', () => {
    const decoded = codec.decode(
      json(
        '{"id":"x","description":"d","actions":[{"id":"a","label":"A","image_url":"u","expires_at":"2025-01-15T14:30:45+02:00"}]}',
      ),
    )
    expect(decoded.actions[0]).toEqual({
      id: 'a',
      label: 'A',
      imageUrl: 'u',
      expiresAt: new Date(Date.UTC(2025, 0, 15, 12, 30, 45)),
    })
  })

  it('enforces the encode rules of libxmtp', () => {
    expectCode(() => codec.encode({ ...sample, actions: [] }), 'ContentType::InvalidContent')
    const many = Array.from({ length: 11 }, (_, i) => ({ id: `a${i}`, label: `${i}` }))
    expectCode(() => codec.encode({ ...sample, actions: many }), 'ContentType::InvalidContent')
    expectCode(
      () => codec.encode({ ...sample, actions: [sample.actions[0], sample.actions[0]] as never }),
      'ContentType::InvalidContent',
    )
    expectCode(
      () => codec.encode({ ...sample, expiresAt: new Date(Number.NaN) }),
      'ContentType::InvalidContent',
    )
  })

  it('rejects wrong schemas', () => {
    expectCode(() => codec.decode(json('{"id":"x","description":"d"}')), 'ContentType::SchemaMismatch')
    expectCode(
      () =>
        codec.decode(json('{"id":"x","description":"d","actions":[{"id":"a","label":"A","style":"loud"}]}')),
      'ContentType::SchemaMismatch',
    )
    expectCode(
      () => codec.decode(json('{"id":"x","description":"d","actions":[],"expiresAt":"tomorrow"}')),
      'ContentType::SchemaMismatch',
    )
    expectCode(
      () => codec.decode(new IntentCodec().encode({ id: 'x', actionId: 'a' })),
      'ContentType::TypeMismatch',
    )
  })
})
