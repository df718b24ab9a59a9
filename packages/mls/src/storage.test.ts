import { fromHex, isBaseError, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { MlsGroup } from './group.ts'
import { createKeyPackage } from './key-package.ts'
import { GroupStore, type MlsStorage, memoryStorage } from './storage.ts'
import { mlsVectors } from './test-fixtures/shared.ts'
import { contentText, groupExtensions, textContent } from './test-fixtures/xmtp-extensions.ts'

async function pair(a: number, b: number) {
  const alice = { inboxId: 'a'.repeat(63) + a, installationPrivateKey: new Uint8Array(32).fill(a) }
  const bob = { inboxId: 'b'.repeat(63) + b, installationPrivateKey: new Uint8Array(32).fill(b) }
  const aliceGroup = await MlsGroup.create({ identity: alice, extensions: groupExtensions(alice.inboxId) })
  const kp = await createKeyPackage(bob)
  const add = await aliceGroup.commit({ add: [kp.keyPackage] })
  aliceGroup.merge(add)
  const bobGroup = await MlsGroup.join(add.welcome ?? new Uint8Array(), {
    keyPackage: kp.keyPackage,
    initPrivateKey: kp.initPrivateKey,
    encryptionPrivateKey: kp.encryptionPrivateKey,
    installationPrivateKey: bob.installationPrivateKey,
  })
  return { aliceGroup, bobGroup }
}

function counting(storage: MlsStorage) {
  const writes: { put: number; bytes: number; deleted: number }[] = []
  const port: MlsStorage = {
    get: (k) => storage.get(k),
    list: (p) => storage.list(p),
    async write(batch) {
      writes.push({
        put: batch.put.length,
        bytes: batch.put.reduce((n, [, v]) => n + v.length, 0),
        deleted: batch.delete.length,
      })
      await storage.write(batch)
    },
  }
  return { port, writes }
}

async function text(group: MlsGroup, bytes: Uint8Array): Promise<string> {
  const got = await group.processMessage(bytes)
  if (got.kind !== 'application') throw new Error('expected an application message')
  return contentText(got.content)
}

describe('GroupStore', () => {
  it('writes one small ratchet record per message and a fresh epoch record per commit', async () => {
    const { aliceGroup, bobGroup } = await pair(1, 2)
    const backing = memoryStorage()
    const { port, writes } = counting(backing)
    const store = new GroupStore(port)
    await store.save(bobGroup)
    expect(writes[0]?.put).toBe(1) // the epoch record
    const epochRecordSize = writes[0]?.bytes ?? 0
    for (let i = 0; i < 5; i++) {
      const sent = await aliceGroup.sendMessage(textContent(`m${i}`), `k${i}`)
      expect(await text(bobGroup, sent.message)).toBe(`m${i}`)
      await store.save(bobGroup)
    }
    const perMessage = writes.slice(1)
    expect(perMessage).toHaveLength(5)
    for (const w of perMessage) {
      expect(w.put).toBe(1)
      expect(w.bytes).toBeLessThan(epochRecordSize / 10)
    }
    // Our own sends move our ratchet: one record too.
    await bobGroup.sendMessage(textContent('reply'), 'r')
    await store.save(bobGroup)
    expect(writes.at(-1)?.put).toBe(1)
    // Nothing changed: nothing written.
    const count = writes.length
    await store.save(bobGroup)
    expect(writes.length).toBe(count)
    // A commit: a new epoch record replaces the ratchet records.
    const update = await aliceGroup.selfUpdate()
    aliceGroup.merge(update)
    await bobGroup.processMessage(update.commit)
    await store.save(bobGroup)
    expect(writes.at(-1)).toMatchObject({ put: 1 })
    expect(writes.at(-1)?.deleted).toBeGreaterThan(0)
    expect([...backing.entries.keys()].filter((k) => k.includes('/r/'))).toEqual([])
  })

  it('loads a group that continues where it stopped, including past-epoch ratchets', async () => {
    const { aliceGroup, bobGroup } = await pair(3, 4)
    const backing = memoryStorage()
    await new GroupStore(backing).save(bobGroup)
    const store = new GroupStore(backing)
    await store.save(bobGroup)
    const early = await aliceGroup.sendMessage(textContent('early'), 'e')
    const first = await aliceGroup.sendMessage(textContent('first'), 'f')
    expect(await text(bobGroup, first.message)).toBe('first')
    await store.save(bobGroup)
    const update = await aliceGroup.selfUpdate()
    aliceGroup.merge(update)
    await bobGroup.processMessage(update.commit)
    await store.save(bobGroup)
    // A message of the previous epoch, received after the commit: a past-epoch ratchet record.
    expect(await text(bobGroup, early.message)).toBe('early')
    await store.save(bobGroup)
    const second = await aliceGroup.sendMessage(textContent('second'), 's')

    const restored = await new GroupStore(backing).load(bobGroup.groupId)
    if (restored === undefined) throw new Error('not stored')
    expect(restored.epoch).toBe(bobGroup.epoch)
    expect(await text(restored, second.message)).toBe('second')
    // The replayed past-epoch message is refused: its ratchet state was persisted.
    expect(
      await restored.processMessage(early.message).catch((e) => (isBaseError(e) ? 'typed' : 'untyped')),
    ).toBe('typed')
    const back = await restored.sendMessage(textContent('from restored bob'), 'x')
    expect(await text(aliceGroup, back.message)).toBe('from restored bob')
    expect(toHex(await restored.exportSecret('t', new Uint8Array(), 16))).toBe(
      toHex(await aliceGroup.exportSecret('t', new Uint8Array(), 16)),
    )
  })

  it('loads the committed encoded state of format 1 (storage stability)', async () => {
    const vectors = mlsVectors<{
      cases: { entries: [string, string][]; groupId: string; message: string; text: string }[]
    }>('group-state-v1.json')
    const fixture = vectors.cases[0]
    if (fixture === undefined) throw new Error('no case')
    const storage = memoryStorage()
    for (const [k, v] of fixture.entries) storage.entries.set(k, fromHex(v))
    const group = await new GroupStore(storage).load(fromHex(fixture.groupId))
    if (group === undefined) throw new Error('not stored')
    expect(await text(group, fromHex(fixture.message))).toBe(fixture.text)
  })

  it('reports bad records and failing ports with typed errors', async () => {
    const storage = memoryStorage()
    const id = new Uint8Array(16)
    storage.entries.set(`${toHex(id)}/epoch`, new Uint8Array([9, 1, 2]))
    const code = (p: Promise<unknown>) =>
      p.then(() => 'ok').catch((e) => (isBaseError(e) ? e.code : 'untyped'))
    expect(await code(new GroupStore(storage).load(id))).toBe('Mls::StateMalformed')
    storage.entries.set(`${toHex(id)}/epoch`, new Uint8Array([1, 1, 2]))
    expect(await code(new GroupStore(storage).load(id))).toBe('Mls::StateMalformed')
    expect(await new GroupStore(storage).load(new Uint8Array(16).fill(1))).toBeUndefined()
    const failing: MlsStorage = {
      get: () => Promise.reject(new Error('disk')),
      list: () => Promise.reject(new Error('disk')),
      write: () => Promise.reject(new Error('disk')),
    }
    expect(await code(new GroupStore(failing).load(id))).toBe('Mls::StorageFailed')
    const { bobGroup } = await pair(5, 6)
    expect(await code(new GroupStore(failing).save(bobGroup))).toBe('Mls::StorageFailed')
  })
})
