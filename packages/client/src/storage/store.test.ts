import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { utf8ToBytes } from '@xmtp-lite/common'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { afterEach, describe, expect, it } from 'vitest'
import { EncryptedStore } from './store.ts'

const key = new Uint8Array(32).fill(7)
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('EncryptedStore', () => {
  it('round-trips values and ranges in key order', async () => {
    const store = await EncryptedStore.open({ db: new MemoryLevel(), encryptionKey: key })
    await store.batch([
      { type: 'put', key: 'g!b', value: utf8ToBytes('2') },
      { type: 'put', key: 'g!a', value: utf8ToBytes('1') },
      { type: 'put', key: 'h!a', value: utf8ToBytes('x') },
    ])
    const seen: string[] = []
    for await (const [k] of store.entriesWithPrefix('g!')) seen.push(k)
    expect(seen).toEqual(['g!a', 'g!b'])
    expect(await store.get('g!a')).toEqual(utf8ToBytes('1'))
    await store.del('g!a')
    expect(await store.get('g!a')).toBeUndefined()
  })

  it('keeps values encrypted on disk and refuses a wrong key with a code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-lite-store-'))
    dirs.push(dir)
    const store = await EncryptedStore.open({ db: new ClassicLevel(dir), encryptionKey: key })
    await store.put('secret', utf8ToBytes('the plaintext'))
    await store.close()

    const raw = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' })
    const stored = await raw.get('secret')
    expect(Buffer.from(stored ?? []).includes(Buffer.from('the plaintext'))).toBe(false)
    await raw.close()

    const wrong = await EncryptedStore.open({
      db: new ClassicLevel(dir),
      encryptionKey: new Uint8Array(32).fill(8),
    }).catch((e) => e)
    expect(wrong.code).toBe('Client::StorageKeyInvalid')

    const again = await EncryptedStore.open({ db: new ClassicLevel(dir), encryptionKey: key })
    expect(await again.get('secret')).toEqual(utf8ToBytes('the plaintext'))
    await again.close()
  })

  it('detects a value moved to another key', async () => {
    const db = new MemoryLevel<string, Uint8Array>({ valueEncoding: 'view' })
    const store = await EncryptedStore.open({ db, encryptionKey: key })
    await store.put('a', utf8ToBytes('for a'))
    const sealed = await db.get('a')
    await db.put('b', sealed as Uint8Array)
    const error = await store.get('b').catch((e) => e)
    expect(error.code).toBe('Client::StorageKeyInvalid')
  })

  it('rejects a key of the wrong length', async () => {
    const error = await EncryptedStore.open({
      db: new MemoryLevel(),
      encryptionKey: new Uint8Array(16),
    }).catch((e) => e)
    expect(error.code).toBe('Client::InvalidArgument')
  })
})
