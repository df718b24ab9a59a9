/**
 * Preference sync with the official SDK (libxmtp 1.9.1) on one node-lite: our client and an official
 * client are two installations of ONE inbox (the same wallet). libxmtp's device-sync worker makes the
 * inbox's sync group and adds our installation; consent set on either side reaches the other through
 * `DeviceSyncContent.preference_updates` (mls-groups.md §10.2).
 */
import { Client } from '@xmtp-lite/client'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SdkDriver } from './driver.ts'

// node-bindings enums: ConsentEntityType GroupId 0 / InboxId 1; ConsentState Unknown 0 / Allowed 1 / Denied 2.
const GroupId = 0
const InboxId = 1
const Denied = 2

let node: RunningNode
let sdk: SdkDriver
let ours: Client
let bob: Client

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 5556, httpPort: false, rateLimits: false })
  sdk = await SdkDriver.start()
  const connect = (seed: number) =>
    Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
      apiUrl: 'http://127.0.0.1:5556',
      db: new MemoryLevel(),
      encryptionKey: new Uint8Array(32).fill(2),
    })
  ours = await connect(0x66)
  bob = await connect(0x67)
  // The same wallet: the official client becomes our inbox's second installation.
  const official = await sdk.call<{ inboxId: string }>('createClient', {
    name: 'official',
    privateKey: `0x${'66'.repeat(32)}`,
    deviceSync: true,
  })
  expect(official.inboxId).toBe(ours.inboxId)
})

afterAll(async () => {
  await ours?.close()
  await bob?.close()
  await sdk?.close()
  await node?.close()
})

describe('consent between our installation and an official one of the same inbox', () => {
  it('we join the sync group libxmtp made for the inbox', async () => {
    await vi.waitFor(
      async () => {
        await ours.conversations.syncWelcomes()
        expect((await ours.conversations.syncGroups()).length).toBeGreaterThan(0)
      },
      { timeout: 60_000, interval: 500 },
    )
    const group = (await ours.conversations.syncGroups())[0]
    expect(group?.members().map((m) => [m.inboxId, m.installationIds.length])).toEqual([[ours.inboxId, 2]])
  })

  it('a conversation libxmtp denies is denied here', async () => {
    const group = await bob.conversations.newGroup([ours.inboxId], { name: 'from bob' })
    await sdk.call('sync', { name: 'official' })
    await sdk.call('setConsent', { name: 'official', entityType: GroupId, entity: group.id, state: Denied })
    await vi.waitFor(
      async () => {
        await ours.preferences.sync()
        expect(await ours.preferences.consentState('conversationId', group.id)).toBe('denied')
      },
      { timeout: 60_000, interval: 500 },
    )
    expect((await ours.conversations.list()).map((c) => c.id)).not.toContain(group.id)
  })

  it('an inbox we deny is denied in libxmtp', async () => {
    await ours.preferences.setConsentStates([{ entityType: 'inboxId', entity: bob.inboxId, state: 'denied' }])
    await vi.waitFor(
      async () => {
        await sdk.call('syncPreferences', { name: 'official' })
        expect(
          await sdk.call('getConsent', { name: 'official', entityType: InboxId, entity: bob.inboxId }),
        ).toBe(Denied)
      },
      { timeout: 60_000, interval: 500 },
    )
  })
})
