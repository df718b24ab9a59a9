import { describe, expect, it } from 'vitest'
import { MarkdownCodec } from '../markdown/markdown.ts'
import { expectCode } from '../testUtils.ts'
import { ContentTypeText, TextCodec } from './text.ts'

describe('TextCodec', () => {
  const codec = new TextCodec()

  it('round-trips UTF-8 with encoding=UTF-8', () => {
    const encoded = codec.encode('gm 👋 ünïcödé')
    expect(encoded.type).toBe(ContentTypeText)
    expect(encoded.parameters).toEqual({ encoding: 'UTF-8' })
    expect(codec.decode(encoded)).toBe('gm 👋 ünïcödé')
    expect(codec.fallback()).toBeUndefined()
    expect(codec.shouldPush()).toBe(true)
  })

  it('defaults a missing encoding to UTF-8 (libxmtp text.rs)', () => {
    expect(codec.decode({ type: ContentTypeText, parameters: {}, content: new Uint8Array([104, 105]) })).toBe(
      'hi',
    )
  })

  it('rejects other encodings, malformed UTF-8 and other types', () => {
    expectCode(
      () =>
        codec.decode({
          type: ContentTypeText,
          parameters: { encoding: 'latin1' },
          content: new Uint8Array(),
        }),
      'ContentType::UnsupportedEncoding',
    )
    expectCode(
      () => codec.decode({ type: ContentTypeText, parameters: {}, content: new Uint8Array([0xc3, 0x28]) }),
      'ContentType::InvalidUtf8',
    )
    expectCode(() => codec.decode(new MarkdownCodec().encode('x')), 'ContentType::TypeMismatch')
    expectCode(() => codec.encode(42 as unknown as string), 'ContentType::InvalidContent')
  })
})

describe('MarkdownCodec', () => {
  it('round-trips', () => {
    const codec = new MarkdownCodec()
    const encoded = codec.encode('# title\n*x*')
    expect(encoded.type.typeId).toBe('markdown')
    expect(codec.decode(encoded)).toBe('# title\n*x*')
    expectCode(() => codec.decode(new TextCodec().encode('x')), 'ContentType::TypeMismatch')
  })
})
