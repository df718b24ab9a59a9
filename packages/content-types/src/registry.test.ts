import { content as protoContent } from '@xmtp/proto'
import { xmtp } from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import { AttachmentCodec, ContentTypeAttachment } from './attachment/attachment.ts'
import type { EncodedContent } from './codec.ts'
import { ContentTypeId } from './contentTypeId.ts'
import { decodeEncodedContent, encodeEncodedContent } from './encodedContent.ts'
import { ContentTypeReaction, ReactionCodec } from './reaction/reaction.ts'
import { ContentCodecRegistry } from './registry.ts'
import { ContentTypeReply, ReplyCodec } from './reply/reply.ts'
import { expectCode, expectCodeAsync } from './testUtils.ts'
import { ContentTypeText, TextCodec } from './text/text.ts'

const registry = new ContentCodecRegistry([
  new TextCodec(),
  new ReplyCodec(),
  new ReactionCodec(),
  new AttachmentCodec(),
])
const custom = new ContentTypeId({
  authorityId: 'example.com',
  typeId: 'poll',
  versionMajor: 1,
  versionMinor: 3,
})

describe('EncodedContent bytes', () => {
  it('the direct writer is byte-identical to the generated protobufjs encoder', () => {
    const generated = xmtp.mls.message_contents.EncodedContent
    const cases: EncodedContent[] = [
      { type: ContentTypeText, parameters: { encoding: 'UTF-8' }, content: new TextEncoder().encode('gm') },
      {
        type: { authorityId: 'a', typeId: 'b', versionMajor: 0, versionMinor: 0 },
        parameters: {},
        content: new Uint8Array(),
      },
      {
        type: custom,
        parameters: { '': '', ключ: 'значение 👋', x: 'y'.repeat(300) },
        fallback: '',
        compression: 0,
        content: new Uint8Array(200).fill(1),
      },
      {
        type: { ...custom, versionMajor: 300, versionMinor: 0xffff_ffff },
        parameters: {},
        fallback: 'fällback 👋',
        compression: 1,
        content: new Uint8Array(70_000),
      },
    ]
    for (const c of cases) {
      const message: Record<string, unknown> = {
        type: { ...c.type },
        parameters: c.parameters,
        content: c.content,
      }
      if (c.fallback !== undefined) message.fallback = c.fallback
      if (c.compression !== undefined) message.compression = c.compression
      expect(Buffer.from(encodeEncodedContent(c)).toString('hex')).toBe(
        Buffer.from(generated.encode(message).finish()).toString('hex'),
      )
      const back = decodeEncodedContent(encodeEncodedContent(c))
      expect(back.content).toEqual(c.content)
      expect(back.parameters).toEqual(c.parameters)
    }
    expectCode(
      () => encodeEncodedContent({ ...(cases[0] as EncodedContent), compression: 2 }),
      'ContentType::UnknownCompression',
    )
  })

  it('round-trips every field, keeping presence of fallback and compression 0', () => {
    const encoded = {
      type: custom,
      parameters: { a: '1', b: '' },
      fallback: '',
      compression: 0,
      content: new Uint8Array([9]),
    }
    expect(decodeEncodedContent(encodeEncodedContent(encoded))).toEqual(encoded)
    const bare = { type: ContentTypeText, parameters: {}, content: new Uint8Array() }
    const back = decodeEncodedContent(encodeEncodedContent(bare))
    expect(back).toEqual(bare)
    expect('fallback' in back || 'compression' in back).toBe(false)
  })

  it('rejects truncated bytes, a missing type and oversized input', () => {
    const bytes = encodeEncodedContent(new TextCodec().encode('hello world'))
    expectCode(
      () => decodeEncodedContent(bytes.subarray(0, bytes.length - 3)),
      'ContentType::MalformedProtobuf',
    )
    expectCode(
      () => decodeEncodedContent(new Uint8Array([0x22, 0x02, 0x68])),
      'ContentType::MalformedProtobuf',
    )
    expectCode(() => decodeEncodedContent(new Uint8Array([0x22, 0x00])), 'ContentType::InvalidContentTypeId')
    expectCode(() => decodeEncodedContent(bytes, { maxBytes: 4 }), 'ContentType::ContentTooLarge')
  })

  it('rejects content type ids that no codec can be named by (bytes from the official @xmtp/proto)', () => {
    const wire = (type: { authorityId: string; typeId: string; versionMajor?: number }) =>
      protoContent.EncodedContent.encode({
        type: { versionMajor: 1, versionMinor: 0, ...type },
        parameters: {},
        content: new Uint8Array([1]),
      }).finish()
    // The official grammar (authority/type:major.minor) cannot print these, so no codec can claim them.
    for (const type of [
      { authorityId: '', typeId: 'text' },
      { authorityId: 'xmtp.org/evil', typeId: 'text' },
      { authorityId: 'xmtp.org', typeId: '' },
      { authorityId: 'xmtp.org', typeId: 'text:2' },
    ]) {
      expectCode(() => decodeEncodedContent(wire(type)), 'ContentType::InvalidContentTypeId')
    }
    expect(decodeEncodedContent(wire({ authorityId: 'xmtp.org', typeId: 'text' })).type).toEqual(
      ContentTypeText,
    )
  })

  it('refuses to encode a parameter that is not a string', () => {
    const text = new TextCodec().encode('gm')
    expectCode(
      () => encodeEncodedContent({ ...text, parameters: { encoding: 8 as unknown as string } }),
      'ContentType::InvalidContent',
    )
  })
})

describe('ContentCodecRegistry', () => {
  it('dispatches by authority, type and major version, across minor versions', () => {
    expect(registry.codecFor(ContentTypeText)).toBeInstanceOf(TextCodec)
    expect(registry.codecFor({ ...ContentTypeText, versionMinor: 5 })).toBeInstanceOf(TextCodec)
    expect(registry.codecFor({ ...ContentTypeText, versionMajor: 2 })).toBeUndefined()
    expect(registry.codecFor({ ...ContentTypeReaction, versionMajor: 2 })).toBeUndefined()
  })

  it('sets the codec fallback on encode and decodes known content', async () => {
    const encoded = registry.encode(
      { mimeType: 'a/b', filename: 'f', data: new Uint8Array([1]) },
      ContentTypeAttachment,
    )
    expect(encoded.fallback).toBe("Can't display f. This app doesn't support attachments.")
    const decoded = await registry.decodeBytes(await registry.encodeBytes('gm', ContentTypeText))
    expect(decoded).toEqual({ contentType: ContentTypeText, content: 'gm', known: true, fallback: undefined })
    expect(registry.shouldPush('gm', ContentTypeText)).toBe(true)
  })

  it('falls back to the fallback text for unknown types, and errors without one', async () => {
    const withFallback = encodeEncodedContent({
      type: custom,
      parameters: {},
      fallback: 'Poll: lunch?',
      content: new Uint8Array([1]),
    })
    const decoded = await registry.decodeBytes(withFallback)
    expect(decoded.known).toBe(false)
    expect(decoded.content).toBe('Poll: lunch?')
    expect(decoded.contentType.toString()).toBe('example.com/poll:1.3')
    await expectCodeAsync(
      registry.decodeBytes(encodeEncodedContent({ type: custom, parameters: {}, content: new Uint8Array() })),
      'ContentType::UnknownContentType',
    )
    expectCode(() => registry.encode('x', custom), 'ContentType::UnknownContentType')
  })

  it('compresses above the threshold and decompresses under the cap', async () => {
    const long = 'xmtp '.repeat(2000)
    const bytes = await registry.encodeBytes(long, ContentTypeText, { compression: 'gzip' })
    expect(bytes.length).toBeLessThan(500)
    expect(decodeEncodedContent(bytes).compression).toBe(1)
    expect((await registry.decodeBytes(bytes)).content).toBe(long)
    await expectCodeAsync(
      registry.decodeBytes(bytes, { maxDecompressedBytes: 100 }),
      'ContentType::DecompressedTooLarge',
    )
    const small = await registry.encodeBytes('gm', ContentTypeText, { compression: 'deflate' })
    expect(decodeEncodedContent(small).compression).toBeUndefined()
    expectCode(() => registry.decode(decodeEncodedContent(bytes)), 'ContentType::InvalidContent')
  })
})

describe('ReplyCodec', () => {
  it('wraps any registered content type and decodes it back', () => {
    const reply = {
      reference: 'ab'.repeat(32),
      referenceInboxId: 'cd'.repeat(32),
      contentType: ContentTypeText,
      content: 'yes!',
    }
    const encoded = registry.encode(reply, ContentTypeReply)
    expect(encoded.parameters).toEqual({
      reference: reply.reference,
      referenceInboxId: reply.referenceInboxId,
      contentType: 'xmtp.org/text:1.0',
    })
    expect(encoded.fallback).toBe('Replied with "yes!" to an earlier message')
    expect(registry.decode(encoded).content).toEqual(reply)
    const reaction = { reference: 'ee', action: 'added', content: '🔥', schema: 'unicode' } as const
    const nested = registry.encode(
      { reference: 'ff', contentType: ContentTypeReaction, content: reaction },
      ContentTypeReply,
    )
    expect(nested.fallback).toBe('Replied to an earlier message')
    expect(registry.decode(nested).content).toEqual({
      reference: 'ff',
      contentType: ContentTypeReaction,
      content: reaction,
    })
  })

  it('shows the inner fallback for an unknown inner type, and rejects malformed replies', () => {
    const inner = encodeEncodedContent({
      type: custom,
      parameters: {},
      fallback: 'a poll',
      content: new Uint8Array(),
    })
    const reply = { type: ContentTypeReply, parameters: { reference: 'ab' }, content: inner }
    expect(new ReplyCodec().decode(reply, registry).content).toBe('a poll')
    expectCode(
      () => new ReplyCodec().decode({ ...reply, parameters: {} }, registry),
      'ContentType::InvalidParameter',
    )
    expectCode(
      () => new ReplyCodec().decode({ ...reply, content: inner.subarray(0, inner.length - 1) }, registry),
      'ContentType::MalformedProtobuf',
    )
    // A compressed inner content is refused rather than handed to the inner codec as if it were plain.
    const compressedInner = encodeEncodedContent({ ...new TextCodec().encode('gm'), compression: 0 })
    expectCode(
      () => new ReplyCodec().decode({ ...reply, content: compressedInner }, registry),
      'ContentType::SchemaMismatch',
    )
    const unknownNoFallback = encodeEncodedContent({
      type: custom,
      parameters: {},
      content: new Uint8Array(),
    })
    expectCode(
      () => new ReplyCodec().decode({ ...reply, content: unknownNoFallback }, registry),
      'ContentType::UnknownContentType',
    )
    expectCode(
      () => new ReplyCodec().encode({ reference: 'x', contentType: custom, content: 1 }, registry),
      'ContentType::UnknownContentType',
    )
  })
})

describe('ReactionCodec (JSON, 1.0)', () => {
  const codec = new ReactionCodec()
  it('round-trips and reads the oldest parameter form', () => {
    const r = {
      reference: 'ab',
      referenceInboxId: 'cd',
      action: 'removed',
      content: ':+1:',
      schema: 'shortcode',
    } as const
    expect(codec.decode(codec.encode(r))).toEqual(r)
    expect(codec.fallback(r)).toBe('Removed ":+1:" from an earlier message')
    expect(codec.fallback({ ...r, action: 'added' })).toBe('Reacted with ":+1:" to an earlier message')
    const legacy = {
      type: ContentTypeReaction,
      parameters: { action: 'added', reference: 'ab', schema: 'unicode' },
      content: new TextEncoder().encode('👍'),
    }
    expect(codec.decode(legacy)).toEqual({
      reference: 'ab',
      action: 'added',
      content: '👍',
      schema: 'unicode',
    })
  })

  it('rejects bad JSON and unknown enum values', () => {
    const json = (s: string) => ({
      type: ContentTypeReaction,
      parameters: {},
      content: new TextEncoder().encode(s),
    })
    expectCode(() => codec.decode(json('👍')), 'ContentType::InvalidJson')
    expectCode(
      () => codec.decode(json('{"action":"liked","reference":"a","schema":"unicode","content":"x"}')),
      'ContentType::SchemaMismatch',
    )
    expectCode(
      () => codec.decode(json('{"action":"added","reference":"a","schema":"emoji","content":"x"}')),
      'ContentType::SchemaMismatch',
    )
    expectCode(() => codec.encode({ reference: 'a' } as never), 'ContentType::InvalidContent')
  })
})
