/**
 * The inbox directory on a real node-lite: a client that has never seen a set of inboxes fetches their
 * identity logs in one refresh, verifies and appends them inbox by inbox concurrently (updates of one inbox
 * in order), and reports each changed inbox once; two inboxes linking the same wallet keep both rows of
 * that address's log (§3.10 step 6).
 */
import { createWalletSigner, verifyWorkerStats, warmVerifyWorkers } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../client.ts'
import { EncryptedStore } from '../storage/store.ts'
import { InboxDirectory, storeLedgerStorage } from './inboxes.ts'

let node: RunningNode
const clients: Client[] = []
const wallet = (n: number) => createWalletSigner(new Uint8Array(32).fill(n))
const addressOf = (n: number) => (wallet(n).identifier as { address: string }).address

async function install(seed: number): Promise<Client> {
  const client = await Client.create(wallet(seed), {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(8),
  })
  clients.push(client)
  return client
}

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await node?.close()
})

describe('InboxDirectory.refresh', () => {
  it('verifies unseen inboxes concurrently, in order per inbox, and reports each changed one once', async () => {
    const a = await install(91)
    await install(91) // a second installation: inbox a has two updates
    const b = await install(92)
    const c = await install(93)
    await a.addIdentifier(wallet(95))
    await b.addIdentifier(wallet(95), { allowReassign: true })
    const inboxIds = [a.inboxId, b.inboxId, c.inboxId]

    const store = await EncryptedStore.open({
      db: new MemoryLevel(),
      encryptionKey: new Uint8Array(32).fill(9),
    })
    const directory = new InboxDirectory(a.api, store)
    const reports: string[][] = []
    directory.onUpdated = async (changed) => {
      reports.push([...changed])
    }
    await directory.refresh([...inboxIds, a.inboxId])
    expect(reports).toHaveLength(1)
    expect([...(reports[0] ?? [])].sort()).toEqual([...inboxIds].sort())

    for (const client of [a, b, c]) {
      await client.inboxes.refresh([client.inboxId])
      expect(await directory.latestSequenceId(client.inboxId)).toBe(
        await client.inboxes.latestSequenceId(client.inboxId),
      )
      expect((await directory.installations(client.inboxId)).length).toBe(
        (await client.inboxState()).installations.length,
      )
    }
    expect(await directory.installations(a.inboxId)).toHaveLength(2)

    // Both inboxes' rows of the shared wallet are stored, whichever was appended first.
    const log = await storeLedgerStorage(store).getAddressLog(addressOf(95))
    expect(log.map((row) => row.inboxId).sort()).toEqual([a.inboxId, b.inboxId].sort())
    expect(await directory.ledger.getInboxIdForAddress(addressOf(95))).toBe(b.inboxId)

    // Nothing new: no report.
    await directory.refresh(inboxIds)
    expect(reports).toHaveLength(1)

    // A restarted client (a new directory on the same store): the stored logs of every inbox are
    // re-verified as one batch, here on the verification workers only, into the same states.
    expect(await warmVerifyWorkers()).toBe(true)
    const before = verifyWorkerStats()?.workerChecks ?? 0
    const restarted = new InboxDirectory(a.api, store, { workerThreshold: 0, callerChecks: false })
    await restarted.refresh(inboxIds)
    for (const inboxId of inboxIds) {
      expect(await restarted.state(inboxId)).toStrictEqual(await directory.state(inboxId))
    }
    expect((verifyWorkerStats()?.workerChecks ?? 0) - before).toBeGreaterThan(inboxIds.length)
  }, 60_000)

  it('a cold directory verifies the new updates of many inboxes as one batch, on the workers', async () => {
    const members = [await install(101), await install(102), await install(103)]
    await install(101)
    const store = await EncryptedStore.open({
      db: new MemoryLevel(),
      encryptionKey: new Uint8Array(32).fill(10),
    })
    expect(await warmVerifyWorkers()).toBe(true)
    const before = verifyWorkerStats()?.workerChecks ?? 0
    const directory = new InboxDirectory((members[0] as Client).api, store, {
      workerThreshold: 0,
      callerChecks: false,
    })
    await directory.refresh(members.map((m) => m.inboxId))
    // 4 updates (3 registrations, a second installation), each with wallet and installation signatures.
    expect((verifyWorkerStats()?.workerChecks ?? 0) - before).toBeGreaterThanOrEqual(8)
    expect(await directory.installations(members[0]?.inboxId as string)).toHaveLength(2)
    const sequential = new InboxDirectory(
      (members[0] as Client).api,
      await EncryptedStore.open({
        db: new MemoryLevel(),
        encryptionKey: new Uint8Array(32).fill(11),
      }),
      { workers: false },
    )
    await sequential.refresh(members.map((m) => m.inboxId))
    for (const m of members)
      expect(await directory.state(m.inboxId)).toStrictEqual(await sequential.state(m.inboxId))
  }, 60_000)
})
