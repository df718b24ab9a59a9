import { describe, expect, it } from 'vitest'
import { ClientError } from '../errors.ts'
import { backoffDelay, withRetry } from './retry.ts'

describe('withRetry', () => {
  it('retries retryable errors with growing delays, then succeeds', async () => {
    const delays: number[] = []
    let calls = 0
    const result = await withRetry(
      async () => {
        calls++
        if (calls < 3) throw new ClientError('Client::Unavailable', 'down')
        return 'ok'
      },
      { attempts: 3, random: () => 0.5, sleep: async (ms) => void delays.push(ms) },
    )
    expect(result).toBe('ok')
    expect(calls).toBe(3)
    expect(delays).toEqual([75, 150])
  })

  it('does not retry a rejected request, and gives up after the last attempt', async () => {
    let calls = 0
    const rejected = await withRetry(
      async () => {
        calls++
        throw new ClientError('Client::Rejected', 'no')
      },
      { sleep: async () => {} },
    ).catch((e) => e)
    expect(rejected.code).toBe('Client::Rejected')
    expect(calls).toBe(1)
    calls = 0
    const exhausted = await withRetry(
      async () => {
        calls++
        throw new ClientError('Client::RateLimited', 'slow')
      },
      { attempts: 3, sleep: async () => {} },
    ).catch((e) => e)
    expect(exhausted.code).toBe('Client::RateLimited')
    expect(calls).toBe(3)
  })

  it('caps the delay', () => {
    expect(backoffDelay(20, { maxDelayMs: 1000, random: () => 0.999 })).toBeLessThanOrEqual(1000)
  })
})
