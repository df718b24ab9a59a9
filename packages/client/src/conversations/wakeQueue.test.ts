import { describe, expect, it } from 'vitest'
import { WakeQueue } from './wakeQueue.ts'

describe('WakeQueue', () => {
  it('yields what was pushed before and while the iterator waits, in push order', async () => {
    const queue = new WakeQueue<number>()
    queue.push(1, 2)
    const iterator = queue[Symbol.asyncIterator]()
    expect(await iterator.next()).toEqual({ done: false, value: 1 })
    expect(await iterator.next()).toEqual({ done: false, value: 2 })
    const waiting = iterator.next()
    let settled = false
    void waiting.then(() => {
      settled = true
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(settled).toBe(false)
    queue.push(3)
    expect(await waiting).toEqual({ done: false, value: 3 })
  })

  it('close() resolves a waiting next() as done, drops later pushes and runs onClose once', async () => {
    let closes = 0
    const queue = new WakeQueue<string>(() => closes++)
    const iterator = queue[Symbol.asyncIterator]()
    const waiting = iterator.next()
    queue.close()
    queue.close()
    expect(await waiting).toEqual({ done: true, value: undefined })
    queue.push('late')
    expect(await iterator.next()).toEqual({ done: true, value: undefined })
    expect(queue.closed).toBe(true)
    expect(closes).toBe(1)
  })

  it('ending a for-await loop closes the queue', async () => {
    let closes = 0
    const queue = new WakeQueue<number>(() => closes++)
    queue.push(1, 2, 3)
    const seen: number[] = []
    for await (const n of queue) {
      seen.push(n)
      if (n === 2) break
    }
    expect(seen).toEqual([1, 2])
    expect(queue.closed).toBe(true)
    expect(closes).toBe(1)
  })

  it('wakes every waiting iterator, not only the last one to wait', async () => {
    const queue = new WakeQueue<number>()
    const a = queue[Symbol.asyncIterator]()
    const b = queue[Symbol.asyncIterator]()
    const nextA = a.next()
    const nextB = b.next()
    await new Promise((resolve) => setImmediate(resolve))
    queue.push(1, 2)
    const values = [(await nextA).value, (await nextB).value].sort()
    expect(values).toEqual([1, 2])
    queue.close()
    expect(await a.next()).toEqual({ done: true, value: undefined })
  })
})
