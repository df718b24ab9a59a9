/**
 * Mutation fuzzing (deterministic): every valid vector, mutated by byte flips, truncation, insertion and
 * length-prefix damage, either decodes or fails with a ContentTypeError, never an untyped throw or a hang.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { ContentTypeError } from '../src/errors.ts'
import { ContentCodecRegistry } from '../src/registry.ts'
import { standardCodecs } from '../src/standard/index.ts'

const registry = new ContentCodecRegistry(standardCodecs())

// xorshift32 with a fixed seed: the same mutations on every run.
let state = 0x9e3779b9
function next(n: number): number {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) % n
}

function mutate(input: Uint8Array): Uint8Array {
  const b = input.slice()
  switch (next(5)) {
    case 0: // flip a byte
      if (b.length > 0) b[next(b.length)] = next(256)
      return b
    case 1: // truncate
      return b.subarray(0, next(b.length + 1))
    case 2: {
      // insert a random byte
      const at = next(b.length + 1)
      const out = new Uint8Array(b.length + 1)
      out.set(b.subarray(0, at))
      out[at] = next(256)
      out.set(b.subarray(at), at + 1)
      return out
    }
    case 3: // a huge length prefix somewhere
      if (b.length > 1) b[next(b.length)] = 0xff
      return b
    default: {
      // flip several bits
      for (let i = 0; i < 4 && b.length > 0; i++) {
        const at = next(b.length)
        b[at] = (b[at] as number) ^ (1 << next(8))
      }
      return b
    }
  }
}

const dir = new URL('../../../vectors/content-types/', import.meta.url)
const seeds: Uint8Array[] = []
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const v = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as {
    cases: { encodedContent?: string; valid: boolean }[]
  }
  for (const c of v.cases) {
    if (c.encodedContent !== undefined && c.encodedContent.length < 20_000)
      seeds.push(new Uint8Array(Buffer.from(c.encodedContent, 'hex')))
  }
}

it('mutated payloads decode or fail with a ContentTypeError', async () => {
  expect(seeds.length).toBeGreaterThan(40)
  let typed = 0
  let decoded = 0
  for (const seed of seeds) {
    for (let i = 0; i < 60; i++) {
      let input = seed
      for (let k = 0; k <= next(3); k++) input = mutate(input)
      try {
        await registry.decodeBytes(input, { maxDecompressedBytes: 1 << 20 })
        decoded++
      } catch (error) {
        if (!(error instanceof ContentTypeError))
          throw new Error(`untyped error for ${Buffer.from(input).toString('hex')}`, { cause: error })
        typed++
      }
    }
  }
  expect(typed).toBeGreaterThan(0)
  expect(decoded).toBeGreaterThan(0)
})
