import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeError } from '../errors.ts'
import { metaKey, Tag, u64Bytes } from './keys.ts'
import { layoutVersion, type NodeStore, openStore } from './store.ts'

// The address → current inbox keys (layout 2) against a model of node-go's address_log (§3.10, §3.11):
// an added address gets a row at the update's sequence id; a removed one has the inbox's latest row marked
// revoked by that sequence id; GetInboxIds answers the unrevoked row with the highest association id.

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'node-lite-address-'))
  dirs.push(d)
  return d
}

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Update {
  readonly inbox: number
  readonly added: string[]
  readonly removed: string[]
}

const addresses = Array.from({ length: 4 }, (_, i) => `0x${String(i + 1).repeat(40)}`)
const inboxBytes = (i: number) => new Uint8Array(32).fill(0x10 + i)
const inboxHex = (i: number) => (0x10 + i).toString(16).repeat(32)

/** node-go's semantics applied one update after another, in sequence-id order. */
function model(updates: readonly Update[]): Map<string, string | undefined> {
  const logs = new Map<string, { inbox: string; revokedBy: number }[]>()
  updates.forEach((u, i) => {
    const seq = i + 1
    for (const a of u.removed) {
      const log = logs.get(a) ?? []
      for (let j = log.length - 1; j >= 0; j--) {
        const row = log[j] as { inbox: string; revokedBy: number }
        if (row.inbox === inboxHex(u.inbox)) {
          row.revokedBy = seq
          break
        }
      }
    }
    for (const a of u.added) {
      const log = logs.get(a) ?? []
      log.push({ inbox: inboxHex(u.inbox), revokedBy: 0 })
      logs.set(a, log)
    }
  })
  const out = new Map<string, string | undefined>()
  for (const a of addresses) {
    const log = logs.get(a) ?? []
    out.set(a, [...log].reverse().find((r) => r.revokedBy === 0)?.inbox)
  }
  return out
}

function randomUpdates(random: () => number, count: number): Update[] {
  const pick = () => addresses.filter(() => random() < 0.35)
  return Array.from({ length: count }, () => {
    const removed = random() < 0.4 ? pick() : []
    return { inbox: Math.floor(random() * 3), added: pick(), removed }
  })
}

async function apply(store: NodeStore, updates: readonly Update[], random: () => number): Promise<void> {
  // In bursts that are not awaited one by one, so several updates land in one group-commit batch and
  // later ones must see the address rows of earlier ones in the same batch.
  let i = 0
  while (i < updates.length) {
    const burst = updates.slice(i, i + 1 + Math.floor(random() * 5))
    i += burst.length
    await Promise.all(
      burst.map((u, j) =>
        store.appendIdentityUpdate({
          inboxId: inboxBytes(u.inbox),
          update: new Uint8Array([i, j]),
          addedAddresses: u.added,
          removedAddresses: u.removed,
        }),
      ),
    )
  }
}

async function answers(store: NodeStore): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>()
  for (const a of addresses) out.set(a, await store.inboxIdForAddress(a))
  return out
}

describe.each([
  ['memory-level', () => openStore({ memory: true, inboxCacheSize: 0 })],
  ['classic-level', () => openStore({ path: tempDir(), inboxCacheSize: 0 })],
])('address → inbox keys on %s', (_name, open: () => Promise<NodeStore>) => {
  it('answer as node-go after random adds and revocations, also within one batch', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const random = prng(seed)
      const store = await open()
      const updates = randomUpdates(random, 40)
      await apply(store, updates, random)
      expect(await answers(store), `seed ${seed}`).toEqual(model(updates))
      await store.close()
    }
  })
})

describe('layout migration 1 → 2', () => {
  /** Turns a layout-2 directory into what layout-1 code left: the address log alone, no version key. */
  async function downgrade(store: NodeStore): Promise<void> {
    const inboxKeys: Uint8Array[] = []
    for await (const key of store.db.keys({
      gte: new Uint8Array([Tag.AddressInbox]),
      lt: new Uint8Array([Tag.AddressInbox + 1]),
    })) {
      inboxKeys.push(new Uint8Array(key as Uint8Array))
    }
    expect(inboxKeys.length).toBeGreaterThan(0)
    await store.db.batch([
      ...inboxKeys.map((key) => ({ type: 'del' as const, key })),
      { type: 'del' as const, key: metaKey('layout') },
    ])
  }

  it('derives every address key from the address log when it opens a layout-1 directory', async () => {
    const path = tempDir()
    const random = prng(42)
    const updates = randomUpdates(random, 60)
    const a = await openStore({ path, inboxCacheSize: 0 })
    await apply(a, updates, random)
    const expected = model(updates)
    expect(await answers(a)).toEqual(expected)
    await downgrade(a)
    // Without the keys the lookups find nothing: the answers below come from the migration.
    expect([...(await answers(a)).values()].every((v) => v === undefined)).toBe(true)
    await a.close()

    const b = await openStore({ path, inboxCacheSize: 0 })
    expect(await answers(b)).toEqual(expected)
    expect(new Uint8Array((await b.db.get(metaKey('layout'))) as Uint8Array)).toEqual(u64Bytes(layoutVersion))
    // Writes after the migration keep the keys up to date.
    const more = randomUpdates(random, 20)
    await apply(b, more, random)
    expect(await answers(b)).toEqual(model([...updates, ...more]))
    await b.close()

    // Running it again (as after a crash before the version key was written) changes nothing.
    const c = await openStore({ path, inboxCacheSize: 0 })
    await c.db.del(metaKey('layout'))
    await c.close()
    const d = await openStore({ path, inboxCacheSize: 0 })
    expect(await answers(d)).toEqual(model([...updates, ...more]))
    await d.close()
  })

  it('refuses a directory written by a newer layout', async () => {
    const path = tempDir()
    const a = await openStore({ path })
    await a.db.put(metaKey('layout'), u64Bytes(layoutVersion + 1))
    await a.close()
    const refused = await openStore({ path }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toBeInstanceOf(NodeError)
    expect((refused as NodeError).code).toBe('Node::StorageFailure')
  })
})
