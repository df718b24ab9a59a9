/**
 * Key-package rotation (mls-groups.md §3.2) on a real node-lite, with one fake clock shared by the clients
 * and the node's key-package lifetime check: a fresh key package after welcomes are processed, one every 30
 * days, and the replaced private keys kept a day so a welcome already wrapped to them still opens.
 */
import { toHex } from '@xmtp-lite/common'
import { createWalletSigner } from '@xmtp-lite/identity'
import { mlsKeyPackageValidator, type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type ClientHooks, keyPackageRetentionMs, keyPackageRotationIntervalMs } from '../client.ts'

let node: RunningNode
let clock = Date.UTC(2026, 0, 1)
const now = () => clock
const clients: Client[] = []
let alice: Client
let bob: Client
let carol: Client
let carolHook: NonNullable<ClientHooks['onIntentStep']> | undefined

async function newClient(seed: number, hooks?: ClientHooks): Promise<Client> {
  const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(7),
    now,
    ...(hooks === undefined ? {} : { hooks }),
  })
  clients.push(client)
  return client
}

/** What the node hands out for Alice's installation now. */
async function published(): Promise<string> {
  const [kp] = await bob.api.fetchKeyPackages([alice.installationKey])
  return toHex(kp ?? new Uint8Array())
}

const secrets = () => alice.keyPackageSecrets.map((k) => toHex(k.keyPackage))

beforeAll(async () => {
  node = await startNode({
    memory: true,
    grpcPort: 0,
    httpPort: false,
    rateLimits: false,
    keyPackageValidator: mlsKeyPackageValidator({ nowSeconds: () => BigInt(Math.floor(clock / 1000)) }),
  })
  alice = await newClient(71)
  bob = await newClient(72)
  carol = await newClient(73, { onIntentStep: (step, at) => carolHook?.(step, at) })
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await node?.close()
})

describe('key-package rotation', () => {
  it('uploads a fresh key package after a welcome; a welcome in flight to the old one still opens', async () => {
    const first = await published()
    expect(secrets()).toEqual([first])
    // Carol fetches Alice's current key package and stages her commit with it ...
    let carolGroup = ''
    carolHook = async (step) => {
      if (step !== 'staged') return
      carolHook = undefined
      // ... while Alice processes Bob's welcome, which rotates her key package.
      await bob.conversations.newGroup([alice.inboxId])
      expect((await alice.conversations.syncWelcomes()).length).toBe(1)
    }
    carolGroup = (await carol.conversations.newGroup([alice.inboxId])).id
    const second = await published()
    expect(second).not.toBe(first)
    expect(secrets()).toEqual([second, first])
    clock += 60_000
    // Carol's welcome was wrapped to the first key package: still kept, it opens.
    expect((await alice.conversations.syncWelcomes()).map((c) => c.id)).toEqual([carolGroup])
    // That welcome rotated again; the first is still within its day.
    const third = await published()
    expect(secrets()).toEqual([third, second, first])
  })

  it('drops replaced private keys after a day, and rotates every 30 days', async () => {
    const current = await published()
    clock += keyPackageRetentionMs
    expect(await alice.maintainKeyPackages()).toBe(false)
    expect(secrets()).toEqual([current])
    expect(await published()).toBe(current)
    clock += keyPackageRotationIntervalMs - keyPackageRetentionMs - 60_000
    await alice.conversations.syncAll()
    expect(await published()).toBe(current)
    clock += 120_000
    await alice.conversations.syncAll()
    const rotated = await published()
    expect(rotated).not.toBe(current)
    expect(secrets()).toEqual([rotated, current])
    // The new one is in use: a group made now reaches Alice through it.
    const group = await bob.conversations.newGroup([alice.inboxId])
    expect((await alice.conversations.syncWelcomes()).map((c) => c.id)).toEqual([group.id])
  })

  it('keeps the schedule across a restart (stored with the installation)', async () => {
    const before = alice.keyPackageSecrets.length
    clock += keyPackageRetentionMs
    const db = new MemoryLevel<string, Uint8Array>()
    const dave = await Client.create(createWalletSigner(new Uint8Array(32).fill(74)), {
      apiUrl: `http://127.0.0.1:${node.grpcPort}`,
      db,
      encryptionKey: new Uint8Array(32).fill(7),
      now,
    })
    const kp = toHex(dave.keyPackageSecrets[0]?.keyPackage ?? new Uint8Array())
    await dave.api.transport.close()
    clock += keyPackageRotationIntervalMs
    const again = await Client.create(createWalletSigner(new Uint8Array(32).fill(74)), {
      apiUrl: `http://127.0.0.1:${node.grpcPort}`,
      db,
      encryptionKey: new Uint8Array(32).fill(7),
      now,
    })
    clients.push(again)
    // Due while it was closed: rotated when it opened.
    const [onNode] = await again.api.fetchKeyPackages([again.installationKey])
    expect(toHex(onNode ?? new Uint8Array())).not.toBe(kp)
    expect(again.keyPackageSecrets.map((k) => toHex(k.keyPackage))).toEqual([
      toHex(onNode ?? new Uint8Array()),
      kp,
    ])
    expect(before).toBeGreaterThan(0)
  })
})
