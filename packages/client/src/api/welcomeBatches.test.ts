import { describe, expect, it } from 'vitest'
import { grpcPayloadLimit, maxWelcomesPerRequest, type WelcomeInput, welcomeBatches } from './api.ts'

const welcome = (dataBytes: number, tag: number): WelcomeInput => ({
  installationKey: new Uint8Array(32).fill(tag),
  data: new Uint8Array(dataBytes),
  hpkePublicKey: new Uint8Array(32),
  wrapperAlgorithm: 1,
  welcomeMetadata: new Uint8Array(8),
})

describe('welcomeBatches (a large group’s welcomes in requests the node accepts)', () => {
  it('keeps every request under the payload limit and at most 50 welcomes, in order', () => {
    // 249 welcomes of ~136 KB: what a 250-member group's add commit produces (34 MB in one request).
    const welcomes = Array.from({ length: 249 }, (_, i) => welcome(136_000, i % 256))
    const batches = welcomeBatches(welcomes)
    expect(batches.flat()).toEqual(welcomes)
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(maxWelcomesPerRequest)
      expect(batch.reduce((n, w) => n + w.data.length, 0)).toBeLessThan(grpcPayloadLimit)
    }
    expect(batches.length).toBe(5)
  })

  it('splits by size before count when welcomes are big', () => {
    const batches = welcomeBatches(Array.from({ length: 10 }, (_, i) => welcome(6 * 1024 * 1024, i)))
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2])
  })

  it('sends nothing for no welcome, and a lone oversized welcome by itself', () => {
    expect(welcomeBatches([])).toEqual([])
    expect(welcomeBatches([welcome(30 * 1024 * 1024, 1), welcome(10, 2)]).map((b) => b.length)).toEqual([
      1, 1,
    ])
  })
})
