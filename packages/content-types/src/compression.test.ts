import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { EncodedContent } from './codec.ts'
import {
  Compression,
  compressEncodedContent,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decompressEncodedContent,
} from './compression.ts'
import { expectCodeAsync } from './testUtils.ts'
import { ContentTypeText, TextCodec } from './text/text.ts'

const text = new TextCodec()
const big = 'hello compressed XMTP '.repeat(200)

function compressed(content: Uint8Array, compression: number): EncodedContent {
  return { type: ContentTypeText, parameters: { encoding: 'UTF-8' }, content, compression }
}

describe('compression', () => {
  it('deflate is zlib-wrapped (RFC 1950) and gzip is RFC 1952, readable by node:zlib', async () => {
    const deflated = await compressEncodedContent(text.encode(big), 'deflate')
    expect(deflated.compression).toBe(Compression.Deflate)
    expect(deflated.content[0]).toBe(0x78)
    expect(Buffer.from(inflateSync(deflated.content)).toString()).toBe(big)
    const gzipped = await compressEncodedContent(text.encode(big), 'gzip')
    expect(gzipped.compression).toBe(Compression.Gzip)
    expect([...gzipped.content.subarray(0, 2)]).toEqual([0x1f, 0x8b])
    expect(Buffer.from(gunzipSync(gzipped.content)).toString()).toBe(big)
    for (const c of [deflated, gzipped]) {
      const back = await decompressEncodedContent(c)
      expect('compression' in back).toBe(false)
      expect(text.decode(back)).toBe(big)
    }
  })

  it('decompresses what node:zlib produced, and raw deflate as libxmtp does', async () => {
    const bytes = new TextEncoder().encode(big)
    expect(text.decode(await decompressEncodedContent(compressed(deflateSync(bytes), 0)))).toBe(big)
    expect(text.decode(await decompressEncodedContent(compressed(gzipSync(bytes), 1)))).toBe(big)
    expect(text.decode(await decompressEncodedContent(compressed(deflateRawSync(bytes), 0)))).toBe(big)
    // libxmtp compression.rs vectors for "hello compressed XMTP": raw deflate and zlib.
    const raw = Buffer.from('cb48cdc9c95748cecf2d284a2d2e4e4d5188f00d090000', 'hex')
    const zlib = Buffer.from('789ccb48cdc9c95748cecf2d284a2d2e4e4d5188f00d090000599907d3', 'hex')
    expect(text.decode(await decompressEncodedContent(compressed(raw, 0)))).toBe('hello compressed XMTP')
    expect(text.decode(await decompressEncodedContent(compressed(zlib, 0)))).toBe('hello compressed XMTP')
  })

  it('compresses only at or above the threshold, and never twice', async () => {
    const small = text.encode('gm')
    expect(await compressEncodedContent(small, 'gzip')).toBe(small)
    expect((await compressEncodedContent(small, 'gzip', { threshold: 0 })).compression).toBe(Compression.Gzip)
    const once = await compressEncodedContent(text.encode(big), 'deflate')
    await expectCodeAsync(compressEncodedContent(once, 'gzip'), 'ContentType::AlreadyCompressed')
  })

  it('aborts a compression bomb at the cap with DecompressedTooLarge', async () => {
    const bomb = deflateSync(Buffer.alloc(DEFAULT_MAX_DECOMPRESSED_BYTES + 1, 0x41))
    expect(bomb.length).toBeLessThan(20_000)
    await expectCodeAsync(decompressEncodedContent(compressed(bomb, 0)), 'ContentType::DecompressedTooLarge')
    const gzBomb = gzipSync(Buffer.alloc(4 * 1024 * 1024))
    await expectCodeAsync(
      decompressEncodedContent(compressed(gzBomb, 1), { maxBytes: 1024 * 1024 }),
      'ContentType::DecompressedTooLarge',
    )
    // Exactly at the cap is allowed.
    const atCap = gzipSync(Buffer.alloc(1024 * 1024))
    expect(
      (await decompressEncodedContent(compressed(atCap, 1), { maxBytes: 1024 * 1024 })).content.length,
    ).toBe(1024 * 1024)
  })

  it('rejects corrupt, truncated and unknown compression with typed errors', async () => {
    const good = gzipSync(Buffer.from(big))
    await expectCodeAsync(
      decompressEncodedContent(compressed(good.subarray(0, good.length - 6), 1)),
      'ContentType::DecompressionFailed',
    )
    await expectCodeAsync(
      decompressEncodedContent(compressed(new Uint8Array([1, 2, 3, 4, 5]), 1)),
      'ContentType::DecompressionFailed',
    )
    await expectCodeAsync(
      decompressEncodedContent(compressed(new Uint8Array([0x78, 0x9c, 0xff, 0xff]), 0)),
      'ContentType::DecompressionFailed',
    )
    // libxmtp's LZFSE-labelled-as-gzip vector.
    const lzfse = Buffer.from(
      '6276786ea800000026000000e00568656c6c6f20636f6d7072657373656420584d54503815f077e25450060000000000000062767824',
      'hex',
    )
    await expectCodeAsync(decompressEncodedContent(compressed(lzfse, 1)), 'ContentType::DecompressionFailed')
    await expectCodeAsync(decompressEncodedContent(compressed(good, 99)), 'ContentType::UnknownCompression')
  })
})
