import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ReplicationError } from './errors.ts'
import { checkBatch } from './replicator.ts'

interface Vectors {
  originator: number
  registry: { id: number; publicKey: string }[]
  cases: { description: string; cursor: number; frames: string[]; valid: boolean; error?: string }[]
}

const file = new URL('../../../../vectors/replication/batches.json', import.meta.url)
const vectors = JSON.parse(readFileSync(file, 'utf8')) as Vectors
const nodeKeys = new Map(vectors.registry.map((n) => [n.id, new Uint8Array(Buffer.from(n.publicKey, 'hex'))]))

describe('vectors/replication/batches.json', () => {
  it.each(vectors.cases.map((c) => [c.description, c] as const))('%s', (_, c) => {
    const frames = c.frames.map((f) => new Uint8Array(Buffer.from(f, 'hex')))
    let outcome: string
    try {
      const accepted = checkBatch({ frames, originator: vectors.originator, cursor: c.cursor, nodeKeys })
      expect(accepted).toHaveLength(frames.length)
      outcome = 'valid'
    } catch (error) {
      outcome = error instanceof ReplicationError ? error.code : `untyped: ${String(error)}`
    }
    expect(outcome).toBe(c.valid ? 'valid' : c.error)
  })
})
