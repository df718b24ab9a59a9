/**
 * The README's usage example, verbatim apart from the assertions, so that it keeps running.
 * @module
 */
import { expect, it } from 'vitest'
import { ContentCodecRegistry } from '../src/index.ts'
import { ContentTypeReactionV2, ReactionV2Codec } from '../src/reaction/index.ts'
import { ContentTypeReply, ReplyCodec } from '../src/reply/index.ts'
import { ContentTypeText, TextCodec } from '../src/text/index.ts'

it('README usage example', async () => {
  const registry = new ContentCodecRegistry([new TextCodec(), new ReplyCodec(), new ReactionV2Codec()])

  // Sending: value -> EncodedContent bytes (the PlaintextEnvelope.V1.content of an MLS message).
  const bytes = await registry.encodeBytes('gm 👋', ContentTypeText)
  const reply = await registry.encodeBytes(
    { reference: 'ab'.repeat(32), contentType: ContentTypeText, content: 'gm to you too' },
    ContentTypeReply,
    { compression: 'gzip' }, // applied only from 1 KiB up
  )
  const reaction = await registry.encodeBytes(
    { reference: 'ab'.repeat(32), action: 'added', content: '👍', schema: 'unicode' },
    ContentTypeReactionV2,
  )

  // Receiving: bytes -> value; unknown types come back as their fallback text with known: false.
  const received = await registry.decodeBytes(bytes)
  console.log(received.content) // 'gm 👋'
  console.log((await registry.decodeBytes(reply)).content) // { reference, contentType, content: 'gm to you too' }
  console.log((await registry.decodeBytes(reaction)).fallback) // 'Reacted with "👍" to an earlier message'

  expect(received).toMatchObject({ content: 'gm 👋', known: true })
  expect((await registry.decodeBytes(reply)).content).toMatchObject({ content: 'gm to you too' })
  expect((await registry.decodeBytes(reaction)).fallback).toBe('Reacted with "👍" to an earlier message')
})
