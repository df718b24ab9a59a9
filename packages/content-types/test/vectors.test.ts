/**
 * Reads every file of `vectors/content-types/` and checks each case: valid ones decode to `decoded` (and
 * carry `fallback` when given), invalid ones fail with exactly `error`.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ContentTypeError } from '../src/errors.ts'
import { ContentCodecRegistry } from '../src/registry.ts'
import { loadRemoteAttachment } from '../src/remote-attachment/fetch.ts'
import { standardCodecs } from '../src/standard/index.ts'
import { fromVectorJson } from '../src/vectorJson.ts'

const dir = new URL('../../../vectors/content-types/', import.meta.url)

interface VectorCase {
  description: string
  encodedContent?: string
  decoded?: unknown
  fallback?: string
  options?: { maxBytes?: number; maxDecompressedBytes?: number }
  valid: boolean
  error?: string
  payload?: string
  contentDigest?: string
  secret?: string
  salt?: string
  nonce?: string
}
interface VectorFile {
  description: string
  cases: VectorCase[]
}

const registry = new ContentCodecRegistry(standardCodecs())

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'))
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()

async function expectError(run: () => Promise<unknown>, code: string | undefined): Promise<void> {
  let caught: unknown
  try {
    await run()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(ContentTypeError)
  expect((caught as ContentTypeError).code).toBe(code)
}

it('has a vector file for every content type', () => {
  expect(files.length).toBeGreaterThanOrEqual(20)
  const covered = new Set(files.map((f) => f.replace(/\.(v\d+\.)?json$/, '')))
  for (const codec of registry.codecs()) {
    const name = codec.contentType.typeId
      .replace(/([a-z])([A-Z])/g, '$1-$2')
      .replace(/_/g, '-')
      .toLowerCase()
      .replace('remote-static-attachment', 'remote-attachment')
      .replace('multi-remote-attachment', 'multi-remote-attachment')
    expect(covered.has(name), name).toBe(true)
  }
})

for (const file of files) {
  const vectors = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as VectorFile
  describe(file, () => {
    it('has valid and invalid cases', () => {
      expect(vectors.cases.some((c) => c.valid)).toBe(true)
      if (file !== 'read-receipt.v1.json') expect(vectors.cases.some((c) => !c.valid)).toBe(true)
    })

    for (const c of vectors.cases) {
      it(`${c.valid ? 'valid' : 'invalid'}: ${c.description}`, async () => {
        if (file === 'remote-attachment-encryption.json') {
          const remote = {
            url: 'https://cdn.example/blob',
            contentDigest: c.contentDigest as string,
            secret: bytes(c.secret as string),
            salt: bytes(c.salt as string),
            nonce: bytes(c.nonce as string),
            scheme: 'https://',
          }
          const payload = bytes(c.payload as string)
          // The payload arrives through the pluggable fetcher, so limits apply as for a real download.
          const load = () =>
            loadRemoteAttachment(remote, {
              fetcher: async () => payload,
              ...(c.options?.maxBytes === undefined ? {} : { maxBytes: c.options.maxBytes }),
            })
          if (c.valid) expect(await load()).toEqual(fromVectorJson(c.decoded))
          else await expectError(load, c.error)
          return
        }
        const run = () => registry.decodeBytes(bytes(c.encodedContent as string), c.options ?? {})
        if (!c.valid) {
          await expectError(run, c.error)
          return
        }
        const decoded = await run()
        expect(decoded.content).toEqual(fromVectorJson(c.decoded))
        if (c.fallback !== undefined) {
          expect(decoded.fallback).toBe(c.fallback)
          if (decoded.known)
            expect(registry.codecFor(decoded.contentType)?.fallback(decoded.content)).toBe(c.fallback)
        }
      })
    }
  })
}
