import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type DecodeOptions, decodeMessage } from './decode.ts'
import { ProtoError } from './errors.ts'
import * as generated from './gen/index.js'

interface VectorCase {
  description: string
  type: string
  bytes: string
  options?: DecodeOptions
  valid: boolean
  json?: unknown
  error?: string
}

const file = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'vectors',
  'proto',
  'decode.json',
)
const vectors = JSON.parse(readFileSync(file, 'utf8')) as { cases: VectorCase[] }

interface Codec {
  decode(bytes: Uint8Array): unknown
  toObject(message: unknown, options: Record<string, unknown>): unknown
}
function classOf(name: string): Codec {
  let node: unknown = generated
  for (const part of name.split('.')) node = (node as Record<string, unknown>)[part]
  return node as Codec
}

describe('vectors/proto/decode.json', () => {
  it('has valid and invalid cases', () => {
    expect(vectors.cases.filter((c) => c.valid).length).toBeGreaterThan(2)
    expect(vectors.cases.filter((c) => !c.valid).length).toBeGreaterThan(5)
  })

  it.each(vectors.cases.map((c) => [c.description, c] as const))('%s', (_description, c) => {
    const type = classOf(c.type)
    const bytes = Uint8Array.from(Buffer.from(c.bytes, 'hex'))
    let code: string | undefined
    let decoded: unknown
    try {
      decoded = decodeMessage(type, bytes, c.options)
    } catch (e) {
      code = e instanceof ProtoError ? e.code : `untyped: ${String(e)}`
    }
    if (c.valid) {
      expect(code).toBeUndefined()
      // proto3 JSON: 64-bit as decimal strings, enums by name, bytes as base64, defaults omitted.
      expect(type.toObject(decoded, { longs: String, enums: String, bytes: String, json: true })).toEqual(
        c.json,
      )
    } else {
      expect(code).toBe(c.error)
    }
  })
})
