/**
 * Consent and preference sync on a real node-lite (memory storage, real validators, gRPC on a free port):
 * two installations of one inbox share consent through their sync group, with XMTP's wire form.
 */
import { encodeEncodedContent } from '@xmtp-lite/content-types'
import { toLong, xmtp } from '@xmtp-lite/proto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { TestNode } from '../../test/testNode.ts'
import type { Client } from '../client.ts'
import type { DecodedMessage } from '../conversations/messages.ts'
import { ContentTypeDeviceSync } from './content.ts'
import type { PreferenceUpdate } from './preferences.ts'

let net: TestNode
const newClient = (seed: number): Promise<Client> => net.newClient(seed)

/** Sync-group content bytes as a broken or hostile installation might send them. */
const raw = (content: Uint8Array) =>
  encodeEncodedContent({ type: ContentTypeDeviceSync, parameters: {}, content })

let alice1: Client
let alice2: Client
let bob: Client

beforeAll(async () => {
  net = await TestNode.start()
  alice1 = await newClient(31)
  alice2 = await newClient(31)
  bob = await newClient(32)
})

afterAll(() => net?.close())

describe('consent defaults (mls-groups.md §10.1)', () => {
  it('allows what we create, leaves a welcome from another inbox unknown, allows our own inbox’s', async () => {
    expect(alice2.inboxId).toBe(alice1.inboxId)
    const fromBob = await bob.conversations.newGroup([alice1.inboxId])
    expect(await fromBob.consentState()).toBe('allowed')
    const dm = await bob.conversations.newDm(alice1.inboxId)
    expect(await dm.consentState()).toBe('allowed')

    await alice1.conversations.syncWelcomes()
    await alice2.conversations.syncWelcomes()
    for (const a of [alice1, alice2]) {
      expect(await (await a.conversations.get(fromBob.id))?.consentState()).toBe('unknown')
      expect(await (await a.conversations.get(dm.id))?.consentState()).toBe('unknown')
    }

    const own = await alice1.conversations.newGroup([bob.inboxId])
    expect(await own.consentState()).toBe('allowed')
    await alice2.conversations.syncWelcomes()
    expect(await (await alice2.conversations.get(own.id))?.consentState()).toBe('allowed')
    expect(await bob.conversations.get(own.id)).toBeUndefined()
    await bob.conversations.syncWelcomes()
    expect(await (await bob.conversations.get(own.id))?.consentState()).toBe('unknown')
  })

  it('allows a conversation once we send in it', async () => {
    const unknown = []
    for (const c of await alice1.conversations.list({ kind: 'group' })) {
      if ((await c.consentState()) === 'unknown') unknown.push(c)
    }
    const target = unknown[0]
    if (target === undefined) throw new Error('no unknown conversation')
    await target.sendText('hi bob')
    await alice1.preferences.idle()
    expect(await target.consentState()).toBe('allowed')
  })
})

describe('consent after removal', () => {
  it('resets to unknown when a removed member is added back (libxmtp is_readd_after_leaving)', async () => {
    const carol = await newClient(33)
    const group = await bob.conversations.newGroup([carol.inboxId])
    await carol.conversations.syncWelcomes()
    const mine = await carol.conversations.get(group.id)
    await mine?.updateConsentState('allowed')
    await group.removeMembers([carol.inboxId])
    await mine?.sync()
    expect(mine?.isActive).toBe(false)
    expect(await mine?.consentState()).toBe('allowed')
    await group.addMembers([carol.inboxId])
    await carol.conversations.syncWelcomes()
    const again = await carol.conversations.get(group.id)
    expect(again?.isActive).toBe(true)
    expect(await again?.consentState()).toBe('unknown')
  })
})

describe('preference sync between two installations of one inbox', () => {
  it('a denial on one installation reaches the other, in XMTP’s wire form, and filters lists', async () => {
    const fromBob = await bob.conversations.newGroup([alice1.inboxId], { name: 'spam?' })
    await alice1.conversations.syncWelcomes()
    await alice2.conversations.syncWelcomes()
    const seen: PreferenceUpdate[] = []
    alice2.preferences.onUpdate((updates) => seen.push(...updates))

    const mine = await alice1.conversations.get(fromBob.id)
    await mine?.updateConsentState('denied')
    await alice1.preferences.setConsentStates([
      { entityType: 'inboxId', entity: bob.inboxId, state: 'denied' },
    ])
    expect((await alice1.conversations.list()).map((c) => c.id)).not.toContain(fromBob.id)

    // The sync group: alice1 created it with both installations; it is never listed.
    const syncGroups = await alice1.conversations.syncGroups()
    expect(syncGroups).toHaveLength(1)
    const syncGroup = syncGroups[0]
    if (syncGroup === undefined) throw new Error('no sync group')
    expect(syncGroup.members().map((m) => [m.inboxId, m.installationIds.length])).toEqual([
      [alice1.inboxId, 2],
    ])
    const listed = await alice1.conversations.list({ consentStates: ['allowed', 'unknown', 'denied'] })
    expect(listed.map((c) => c.id)).not.toContain(syncGroup.id)

    // Three changes: the two denials, and the conversation alice1 allowed by sending in it earlier (its
    // outbox waited for a sync group). alice1's own group is not newer than alice2's welcome default.
    const applied = await alice2.preferences.sync()
    expect(applied).toBe(3)
    expect(await alice2.preferences.consentState('conversationId', fromBob.id)).toBe('denied')
    expect(await alice2.preferences.consentState('inboxId', bob.inboxId)).toBe('denied')
    expect(seen.map((u) => (u.kind === 'consent' ? u.record.state : u.kind)).sort()).toEqual([
      'allowed',
      'denied',
      'denied',
    ])
    expect((await alice2.conversations.list()).map((c) => c.id)).not.toContain(fromBob.id)
    const denied = await alice2.conversations.list({ consentStates: ['denied'] })
    expect(denied.map((c) => c.id)).toEqual([fromBob.id])

    // What alice2 read is XMTP's DeviceSyncContent with ConsentSave records (state shifted by one).
    const received = await (await alice2.conversations.get(syncGroup.id))?.messages()
    const app = (received ?? []).filter((m) => m.kind === 'application')
    expect(app.map((m) => m.contentType.toString())).toEqual([
      'xmtp.org/application/x-protobuf:1.0',
      'xmtp.org/application/x-protobuf:1.0',
    ])
    const content = app[0]?.content as xmtp.device_sync.content.DeviceSyncContent
    const save = content.preferenceUpdates?.updates?.find((u) => u.consent?.entity === fromBob.id)?.consent
    expect(save?.entityType).toBe(
      xmtp.device_sync.consent_backup.ConsentTypeSave.CONSENT_TYPE_SAVE_CONVERSATION_ID,
    )
    expect(save?.state).toBe(3)
    expect(save?.entity).toBe(fromBob.id)
  })

  it('streams consent changes from the other installation', async () => {
    const stream = alice2.preferences.streamConsent()
    const first = (async () => {
      for await (const batch of stream) return batch
      return []
    })()
    const dm = await bob.conversations.newDm(alice1.inboxId)
    await alice1.conversations.syncWelcomes()
    await alice1.preferences.setConsentStates([
      { entityType: 'conversationId', entity: dm.id, state: 'denied' },
    ])
    await alice2.preferences.sync()
    const batch = await first
    expect(batch.map((r) => [r.entity, r.state])).toContainEqual([dm.id, 'denied'])
    stream.close()
  })

  it('goes back the other way through syncAll, the newer decision winning', async () => {
    const denied = await alice2.conversations.list({ consentStates: ['denied'] })
    const target = denied[0]
    if (target === undefined) throw new Error('nothing denied')
    await target.updateConsentState('allowed')
    await alice1.conversations.syncAll()
    expect(await alice1.preferences.consentState('conversationId', target.id)).toBe('allowed')
    expect((await alice1.conversations.list()).map((c) => c.id)).toContain(target.id)
    // The inbox denial was not touched.
    expect(await alice1.preferences.consentState('inboxId', bob.inboxId)).toBe('denied')
  })

  it('skips malformed sync messages and keeps applying the next ones', async () => {
    const syncGroup = (await alice1.conversations.syncGroups())[0]
    if (syncGroup === undefined) throw new Error('no sync group')
    await syncGroup.sendEncodedContent(raw(Uint8Array.of(0xff, 0xff, 0xff)))
    const badState = xmtp.device_sync.content.DeviceSyncContent.encode({
      preferenceUpdates: {
        updates: [
          { consent: { entityType: 3, state: 2, entity: bob.inboxId, consentedAtNs: toLong(1) } },
          { consent: { entityType: 2, state: 0, entity: bob.inboxId, consentedAtNs: toLong(1) } },
          { consent: { entityType: 2, state: 2, entity: '../../etc', consentedAtNs: toLong(1) } },
        ],
      },
    }).finish()
    await syncGroup.sendEncodedContent(raw(badState))
    await alice1.preferences.setConsentStates([
      { entityType: 'inboxId', entity: bob.inboxId, state: 'allowed' },
    ])
    const before = await alice2.preferences.consentRecords()
    expect(await alice2.preferences.sync()).toBe(1)
    expect(await alice2.preferences.consentState('inboxId', bob.inboxId)).toBe('allowed')
    expect((await alice2.preferences.consentRecords()).length).toBe(before.length)
    // Nothing applies twice.
    expect(await alice2.preferences.sync()).toBe(0)
  })

  it('keeps sync-group and denied-conversation messages out of streams', async () => {
    await alice2.conversations.syncAll()
    const quiet = await bob.conversations.newGroup([alice1.inboxId], { name: 'denied later' })
    const open = await bob.conversations.newGroup([alice1.inboxId], { name: 'open' })
    await alice2.conversations.syncWelcomes()
    await (await alice2.conversations.get(quiet.id))?.updateConsentState('denied')
    const stream = alice2.conversations.streamAllMessages()
    await stream.ready
    const got: DecodedMessage[] = []
    const done = (async () => {
      for await (const m of stream) {
        got.push(m)
        if (m.kind === 'application' && m.content === 'visible') break
      }
    })()
    await quiet.sendText('hidden')
    await alice1.preferences.setConsentStates([
      { entityType: 'inboxId', entity: bob.inboxId, state: 'denied' },
    ])
    await open.sendText('visible')
    await done
    expect(got.filter((m) => m.kind === 'application').map((m) => m.content)).toEqual(['visible'])
    expect(got.every((m) => m.conversationId === open.id)).toBe(true)
    // The sync-group message was not delivered, but the stream applied it: no explicit sync here.
    await vi.waitFor(
      async () => expect(await alice2.preferences.consentState('inboxId', bob.inboxId)).toBe('denied'),
      { timeout: 20_000, interval: 100 },
    )
    stream.close()
  })

  it('refuses a sync-group welcome that holds another inbox', async () => {
    // bob cannot make a sync group with alice in it: alice's installations drop the welcome.
    const before = (await alice2.conversations.syncGroups()).length
    const forged = await bob.conversations.newSyncGroup()
    await forged.addMembers([alice1.inboxId])
    await alice2.conversations.syncWelcomes()
    expect((await alice2.conversations.syncGroups()).length).toBe(before)
    expect(await alice2.conversations.get(forged.id)).toBeUndefined()
  })
})
