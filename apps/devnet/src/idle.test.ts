import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { whenEventLoopIdle } from './idle.ts'

/** Keeps this thread's loop busy for `ms`: 40 ms synchronous slices with a turn of the loop between. */
async function busyFor(ms: number): Promise<void> {
  const end = performance.now() + ms
  while (performance.now() < end) {
    const slice = performance.now() + 40
    while (performance.now() < slice) {
      // spin: the loop is busy, whatever the machine's load
    }
    await new Promise((r) => setImmediate(r))
  }
}

describe('whenEventLoopIdle', () => {
  it('starts the task once the loop is quiet', async () => {
    const ran = new Promise<void>((resolve) => whenEventLoopIdle(resolve, { windowMs: 50 }))
    await ran
  }, 30_000)

  it('waits while the loop is busy, then starts', async () => {
    let ranAt: number | undefined
    const task = whenEventLoopIdle(
      () => {
        ranAt = performance.now()
      },
      { windowMs: 100 },
    )
    await busyFor(1000)
    const busyEnded = performance.now()
    expect(task.started).toBe(false)
    while (ranAt === undefined) await sleep(20)
    expect(task.started).toBe(true)
    expect(ranAt).toBeGreaterThanOrEqual(busyEnded)
  }, 30_000)

  it('never starts a cancelled task', async () => {
    let ran = false
    const task = whenEventLoopIdle(
      () => {
        ran = true
      },
      { windowMs: 20 },
    )
    task.cancel()
    await sleep(200)
    expect(ran).toBe(false)
    expect(task.started).toBe(false)
  })
})
