import { describe, expect, it } from 'vitest'
import { measure, sampleWithCpu, summarize } from './index.ts'

describe('bench harness', () => {
  it('summarizes percentiles', () => {
    const r = summarize('x', [5, 1, 2, 3, 4, 6, 7, 8, 9, 10])
    expect(r.p50Ms).toBe(5)
    expect(r.p99Ms).toBe(10)
    expect(r.meanMs).toBe(5.5)
    expect(r.samples).toBe(10)
  })
  it('summarizes CPU times when given, and leaves them out otherwise', () => {
    expect(summarize('x', [1, 2], [0.5, 1.5]).cpuMeanMs).toBe(1)
    expect(summarize('x', [1, 2]).cpuMeanMs).toBeUndefined()
  })
  it('measures CPU time per call beside wall time', async () => {
    const { wallMs, cpuMs } = await sampleWithCpu(
      {
        name: 'spin',
        fn: () => {
          const until = performance.now() + 2
          while (performance.now() < until) {}
        },
      },
      { minTimeMs: 1, minSamples: 5 },
    )
    expect(wallMs.length).toBeGreaterThanOrEqual(5)
    expect(cpuMs.length).toBe(wallMs.length)
    // A busy loop uses CPU time (a loaded machine can only make it take longer in wall time).
    expect(cpuMs.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
  })
  it('measures at least the minimum number of samples', async () => {
    let calls = 0
    const r = await measure({ name: 'count', fn: () => calls++ }, { minTimeMs: 1, minSamples: 7 })
    expect(r.samples).toBeGreaterThanOrEqual(7)
    expect(calls).toBeGreaterThanOrEqual(7)
  })
})
