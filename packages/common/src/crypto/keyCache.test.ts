import { describe, expect, it } from 'vitest'
import { KeyCache } from './node.ts'

describe('KeyCache (the node provider public-key cache)', () => {
  it('builds each value once while it stays cached', () => {
    const cache = new KeyCache<number>(3)
    let made = 0
    const make = () => ++made
    expect(cache.get('a', make)).toBe(1)
    expect(cache.get('a', make)).toBe(1)
    expect(made).toBe(1)
  })
  it('stays within its bound and evicts the least recently used entry', () => {
    const cache = new KeyCache<string>(3)
    const calls: string[] = []
    const get = (id: string) =>
      cache.get(id, () => {
        calls.push(id)
        return id.toUpperCase()
      })
    get('a')
    get('b')
    get('c')
    get('a') // a is now the most recent; b is the oldest
    get('d') // evicts b
    expect(cache.size).toBe(3)
    get('a')
    get('c')
    get('d')
    expect(calls).toEqual(['a', 'b', 'c', 'd'])
    get('b') // rebuilt, evicts a (the least recent of a, c, d after the reads above)
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'b'])
    for (let i = 0; i < 100; i++) get(`k${i}`)
    expect(cache.size).toBe(3)
  })
})
