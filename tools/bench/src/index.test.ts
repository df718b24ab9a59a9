import { describe, expect, it } from 'vitest'
import { measure, summarize } from './index.ts'

describe('bench harness', () => {
  it('summarizes percentiles', () => {
    const r = summarize('x', [5, 1, 2, 3, 4, 6, 7, 8, 9, 10])
    expect(r.p50Ms).toBe(5)
    expect(r.p99Ms).toBe(10)
    expect(r.meanMs).toBe(5.5)
    expect(r.samples).toBe(10)
  })
  it('measures at least the minimum number of samples', async () => {
    let calls = 0
    const r = await measure({ name: 'count', fn: () => calls++ }, { minTimeMs: 1, minSamples: 7 })
    expect(r.samples).toBeGreaterThanOrEqual(7)
    expect(calls).toBeGreaterThanOrEqual(7)
  })
})
