import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Tag } from './keys.ts'
import { type NodeStore, openStore } from './store.ts'

const g1 = new Uint8Array(16).fill(1)
const g2 = new Uint8Array(16).fill(2)
const bytes = (...xs: number[]) => new Uint8Array(xs)
const row = (groupId: Uint8Array, data: Uint8Array, isCommit = false) => ({
  groupId,
  data,
  senderHmac: bytes(9),
  shouldPush: true,
  isCommit,
})

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'node-lite-store-'))
  dirs.push(d)
  return d
}

describe.each([
  ['memory-level', () => openStore({ memory: true, clock: () => 1_700_000_000_000_000_000n })],
  ['classic-level', () => openStore({ path: tempDir(), clock: () => 1_700_000_000_000_000_000n })],
])('NodeStore on %s', (_name, open: () => Promise<NodeStore>) => {
  it('assigns one increasing id per table across topics and dedups by hash of topic and data', async () => {
    const store = await open()
    const first = await store.appendGroupMessages([row(g1, bytes(1)), row(g2, bytes(1)), row(g1, bytes(2))])
    expect(first.map((m) => m?.id)).toEqual([1, 2, 3])
    const again = await store.appendGroupMessages([row(g1, bytes(1)), row(g1, bytes(3)), row(g1, bytes(3))])
    expect(again.map((m) => m?.id)).toEqual([undefined, 4, undefined])
    const w = await store.appendWelcomes([
      {
        kind: 'v1',
        installationKey: g1,
        data: bytes(1),
        hpkePublicKey: bytes(7),
        wrapperAlgorithm: 1,
        welcomeMetadata: bytes(),
      },
    ])
    expect(w[0]?.id).toBe(1)
    await store.close()
  })

  it('pages with exclusive cursors in both directions', async () => {
    const store = await open()
    for (let i = 0; i < 5; i++) await store.appendGroupMessages([row(g1, bytes(i)), row(g2, bytes(i))])
    const asc = await store.queryGroupMessages(g1, { ascending: true, limit: 2, idCursor: 3 })
    expect(asc.map((m) => m.id)).toEqual([5, 7])
    const desc = await store.queryGroupMessages(g1, { ascending: false, limit: 10, idCursor: 7 })
    expect(desc.map((m) => m.id)).toEqual([5, 3, 1])
    const newest = await store.newestGroupMessage(g2)
    expect(newest?.id).toBe(10)
    expect(newest?.data).toEqual(bytes(4))
    expect(newest?.senderHmac).toEqual(bytes(9))
    await store.close()
  })

  it('prunes expired application messages but keeps commits', async () => {
    const store = await open()
    await store.appendGroupMessages([row(g1, bytes(1)), row(g1, bytes(2), true), row(g1, bytes(3))])
    expect(await store.pruneExpired(1_700_000_000_000_000_001n)).toBe(0)
    expect(await store.pruneExpired(1_700_000_000_001_000_000n)).toBe(2)
    const left = await store.queryGroupMessages(g1, { ascending: true, limit: 100, idCursor: 0 })
    expect(left.map((m) => [m.id, m.isCommit])).toEqual([[2, true]])
    await store.close()
  })

  it('keeps the address index as node-go: latest unrevoked association wins', async () => {
    const store = await open()
    const inboxA = new Uint8Array(32).fill(0xaa)
    const inboxB = new Uint8Array(32).fill(0xbb)
    const addr = '0x1234567890abcdef1234567890abcdef12345678'
    await store.appendIdentityUpdate({
      inboxId: inboxA,
      update: bytes(1),
      addedAddresses: [addr],
      removedAddresses: [],
    })
    expect(await store.inboxIdForAddress(addr)).toBe('aa'.repeat(32))
    await store.appendIdentityUpdate({
      inboxId: inboxB,
      update: bytes(2),
      addedAddresses: [addr],
      removedAddresses: [],
    })
    expect(await store.inboxIdForAddress(addr)).toBe('bb'.repeat(32))
    await store.appendIdentityUpdate({
      inboxId: inboxB,
      update: bytes(3),
      addedAddresses: [],
      removedAddresses: [addr],
    })
    expect(await store.inboxIdForAddress(addr)).toBe('aa'.repeat(32))
    const log = await store.inboxLog(inboxB, 0)
    expect(log.map((l) => l.sequenceId)).toEqual([2, 3])
    expect(await store.inboxLog(inboxB, 2)).toHaveLength(1)
    expect(await store.inboxLogLength(inboxA)).toBe(1)
    await store.close()
  })

  it('answers GetInboxIds from its cache only while no identity update touched the address', async () => {
    const store = await open()
    const inboxA = new Uint8Array(32).fill(0xa1)
    const inboxB = new Uint8Array(32).fill(0xb1)
    const addr = '0x00000000000000000000000000000000000000c1'
    // An unknown address is answered (and remembered) as unknown, then found once associated.
    expect(await store.inboxIdForAddress(addr)).toBeUndefined()
    expect(await store.inboxIdForAddress(addr)).toBeUndefined()
    await store.appendIdentityUpdate({
      inboxId: inboxA,
      update: bytes(1),
      addedAddresses: [addr],
      removedAddresses: [],
    })
    expect(await store.inboxIdForAddress(addr)).toBe('a1'.repeat(32))
    // A lookup that reads while a write lands does not keep what it read: the next one sees the write.
    const racing = store.inboxIdForAddress(addr)
    const write = store.appendIdentityUpdate({
      inboxId: inboxB,
      update: bytes(2),
      addedAddresses: [addr],
      removedAddresses: [],
    })
    await Promise.all([racing, write])
    expect(await store.inboxIdForAddress(addr)).toBe('b1'.repeat(32))
    await store.appendIdentityUpdate({
      inboxId: inboxB,
      update: bytes(3),
      addedAddresses: [],
      removedAddresses: [addr],
    })
    expect(await store.inboxIdForAddress(addr)).toBe('a1'.repeat(32))
    await store.close()
  })

  it('answers the newest message from its kept id, and from the range when the id is missing or expired', async () => {
    const store = await open()
    const newestByRange = async (g: Uint8Array) =>
      (await store.queryGroupMessages(g, { ascending: false, limit: 1, idCursor: 0 }))[0]
    // Several groups interleaved, some in one batch (not awaited one by one).
    const groups = [g1, g2, new Uint8Array(16).fill(3)]
    for (let i = 0; i < 30; i++) {
      await Promise.all(
        [0, 1, 2].map((j) =>
          store.appendGroupMessages([row(groups[(i + j) % 3] as Uint8Array, bytes(i, j))]),
        ),
      )
      for (const g of groups) expect(await store.newestGroupMessage(g)).toEqual(await newestByRange(g))
    }
    expect((await store.newestGroupMessage(g1))?.data).toEqual(bytes(29, 1))
    // Several groups interleaved in ONE call (the pointer is written once per group, for its last new row),
    // ending with a duplicate that is not stored.
    const [a, b, c] = groups as [Uint8Array, Uint8Array, Uint8Array]
    await store.appendGroupMessages([
      row(a, bytes(40)),
      row(b, bytes(41)),
      row(a, bytes(42)),
      row(c, bytes(43)),
      row(a, bytes(44)),
      row(b, bytes(45)),
      row(a, bytes(42)),
    ])
    for (const g of groups) expect(await store.newestGroupMessage(g)).toEqual(await newestByRange(g))
    expect((await store.newestGroupMessage(a))?.data).toEqual(bytes(44))
    expect((await store.newestGroupMessage(b))?.data).toEqual(bytes(45))
    expect((await store.newestGroupMessage(c))?.data).toEqual(bytes(43))
    expect(await store.newestGroupMessage(new Uint8Array(16).fill(9))).toBeUndefined()
    // A group written before the kept id existed (layout 1 directory): read from the range.
    await store.db.del(new Uint8Array([Tag.NewestGroupMessage, 0, 16, ...g2]))
    expect(await store.newestGroupMessage(g2)).toEqual(await newestByRange(g2))
    expect(await store.newestGroupMessage(g2)).toBeDefined()
    await store.close()
  })

  it('answers the newest message left after retention deleted the one its kept id names', async () => {
    const store = await open()
    const g = new Uint8Array(16).fill(7)
    await store.appendGroupMessages([row(g, bytes(1), true), row(g, bytes(2))])
    expect((await store.newestGroupMessage(g))?.id).toBe(2)
    expect(await store.pruneExpired(1_700_000_000_001_000_000n)).toBe(1)
    const left = await store.newestGroupMessage(g)
    expect([left?.id, left?.isCommit]).toEqual([1, true])
    await store.close()
  })

  it('keeps the latest key package per installation', async () => {
    const store = await open()
    await store.putKeyPackage(g1, bytes(1))
    await store.putKeyPackage(g1, bytes(2))
    await store.putKeyPackage(g1, bytes(2))
    expect(await store.latestKeyPackage(g1)).toEqual(bytes(2))
    expect(await store.latestKeyPackage(g2)).toBeUndefined()
    expect(store.lastIds().keyPackages).toBe(2)
    await store.close()
  })
})

describe('NodeStore on disk', () => {
  it('keeps ids and rows across a reopen', async () => {
    const path = tempDir()
    const a = await openStore({ path })
    await a.appendGroupMessages([row(g1, bytes(1)), row(g1, bytes(2))])
    await a.appendCommitLog([
      { groupId: g1, serializedCommitLogEntry: bytes(5), serializedSignature: bytes(6) },
    ])
    await a.close()
    const b = await openStore({ path })
    expect(b.lastIds()).toMatchObject({ groupMessages: 2, commitLog: 1 })
    const next = await b.appendGroupMessages([row(g1, bytes(3)), row(g1, bytes(1))])
    expect(next.map((m) => m?.id)).toEqual([3, undefined])
    const log = await b.queryCommitLog(g1, { ascending: true, limit: 100, idCursor: 0 })
    expect(log).toEqual([
      { sequenceId: 1, serializedCommitLogEntry: bytes(5), serializedSignature: bytes(6) },
    ])
    await b.close()
  })
})
