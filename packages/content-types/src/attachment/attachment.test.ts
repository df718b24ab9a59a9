import { describe, expect, it } from 'vitest'
import { ReadReceiptCodec } from '../read-receipt/readReceipt.ts'
import { expectCode } from '../testUtils.ts'
import { AttachmentCodec, ContentTypeAttachment } from './attachment.ts'

describe('AttachmentCodec', () => {
  const codec = new AttachmentCodec()

  it('round-trips with and without a filename', () => {
    const a = { filename: 'cat.png', mimeType: 'image/png', data: new Uint8Array([1, 2, 3]) }
    const encoded = codec.encode(a)
    expect(encoded.parameters).toEqual({ filename: 'cat.png', mimeType: 'image/png' })
    expect(codec.decode(encoded)).toEqual(a)
    const b = { mimeType: 'application/octet-stream', data: new Uint8Array() }
    expect(codec.decode(codec.encode(b))).toEqual(b)
    expect(codec.fallback(a)).toBe("Can't display cat.png. This app doesn't support attachments.")
    expect(codec.fallback(b)).toBe("Can't display this content. This app doesn't support attachments.")
  })

  it('rejects a missing mimeType', () => {
    expectCode(
      () => codec.decode({ type: ContentTypeAttachment, parameters: {}, content: new Uint8Array() }),
      'ContentType::InvalidParameter',
    )
    expectCode(() => codec.encode({ data: new Uint8Array() } as never), 'ContentType::InvalidContent')
  })
})

describe('ReadReceiptCodec', () => {
  it('is empty and not pushed', () => {
    const codec = new ReadReceiptCodec()
    const encoded = codec.encode()
    expect(encoded.content.length).toBe(0)
    expect(codec.decode(encoded)).toEqual({})
    expect(codec.shouldPush()).toBe(false)
    expectCode(
      () => codec.decode(new AttachmentCodec().encode({ mimeType: 'x', data: new Uint8Array() })),
      'ContentType::TypeMismatch',
    )
  })
})
