/**
 * Issue 9, the soak: one group mixing our client and the official SDK (libxmtp 1.9.1), several
 * installations per inbox, 200 messages and 10 membership changes (5 removals and 5 re-adds, made by a
 * super admin of each implementation in turn, of inboxes of each implementation in turn). After every
 * membership change and every 25 messages, every installation in the group must hold the same epoch,
 * members, name and admin lists, and libxmtp must have refused nothing; at the end every message must have
 * reached every installation that was in the group when it was sent exactly once, and no installation may
 * hold any message twice.
 *
 * It found two bugs of our client: a re-add welcome skipped while the removal was not yet synced, and
 * messages encrypted in an epoch more than 3 behind the group's (a sender that had not synced), which no
 * member could decrypt ("Generation is too old"): libxmtp re-sends such messages, ours now syncs first.
 *
 * At full size it also found one of libxmtp 1.9.1 (mixedPastEpoch.interop.test.ts has the minimal case):
 * a message 1 or 2 epochs behind from a member above a blank leaf (an inbox removed and not yet re-added)
 * fails libxmtp's signature check at every libxmtp member (OpenMLS looks the sender of a past epoch up by
 * position in a list without blank leaves; fixed upstream in OpenMLS #1944, not in libxmtp 1.9.x), and is
 * lost for them; our client reads it. libxmtp publishes before it reads (mls-groups.md §8.2), so its
 * installations send such messages whenever a commit landed since their last sync. While an inbox is out
 * of the group, the libxmtp senders here therefore read the group before they send (as an app on libxmtp
 * 1.9.1 must, to be read by its own peers); the rest of the time they send as libxmtp does, unsynced, and
 * our client reads their stale messages.
 *
 * Size: `XMTP_SOAK_INBOXES` inboxes per implementation (default 10: the 20-member group),
 * `XMTP_SOAK_INSTALLATIONS` installations per inbox (default 2), libxmtp clients spread over
 * `XMTP_SOAK_DRIVERS` driver processes (default 2; each holds several clients).
 */
import type { Client, Conversation } from '@xmtp-lite/client'
import type { RunningNode } from '@xmtp-lite/node-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SdkDriver, SdkMessage } from './driver.ts'
import {
  expectConverged,
  officialClient,
  ourClient,
  ourTexts,
  type SdkSide,
  sdkIsActive,
  sdkTexts,
  startSdk,
  startSdkNode,
} from './mixedHarness.ts'

const envInt = (name: string, fallback: number) => {
  const value = Number.parseInt(process.env[name] ?? '', 10)
  return Number.isFinite(value) && value > 0 ? value : fallback
}
const inboxesPerSide = envInt('XMTP_SOAK_INBOXES', 10)
const installationsPerInbox = envInt('XMTP_SOAK_INSTALLATIONS', 2)
const driverCount = envInt('XMTP_SOAK_DRIVERS', 2)
const messageCount = 200
const checkEvery = 25

/** One inbox of ours: its installations and their handle on the group. */
interface OurInbox {
  readonly inboxId: string
  readonly installations: { readonly client: Client; conversation?: Conversation | undefined }[]
}

/** One libxmtp inbox: its installations (each a client of some driver). */
interface SdkInbox {
  readonly inboxId: string
  readonly installations: SdkSide[]
}

let node: RunningNode
const drivers: SdkDriver[] = []
const ourInboxes: OurInbox[] = []
const sdkInboxes: SdkInbox[] = []
let groupId = ''
/** Inboxes currently in the group. */
const inGroup = new Set<string>()
/** Each message text and the installations (ours by client index, libxmtp by name) in the group then. */
const sent: { text: string; recipients: Set<string> }[] = []

const ourKey = (inbox: number, installation: number) => `ours-${inbox}-${installation}`

beforeAll(async () => {
  node = await startSdkNode()
  for (let d = 0; d < driverCount; d++) drivers.push(await startSdk())
  for (let i = 0; i < inboxesPerSide; i++) {
    const wallet = new Uint8Array(32).fill(0x30 + i)
    const installations: OurInbox['installations'] = []
    for (let k = 0; k < installationsPerInbox; k++) {
      installations.push({ client: await ourClient(0x80 + i * 8 + k, wallet) })
    }
    ourInboxes.push({ inboxId: installations[0]?.client.inboxId ?? '', installations })
    const sides: SdkSide[] = []
    for (let k = 0; k < installationsPerInbox; k++) {
      const driver = drivers[(i * installationsPerInbox + k) % drivers.length] as SdkDriver
      sides.push(await officialClient(driver, `sdk-${i}-${k}`, (0xa0 + i).toString(16).repeat(32)))
    }
    sdkInboxes.push({ inboxId: sides[0]?.inboxId ?? '', installations: sides })
  }
}, 600_000)

afterAll(async () => {
  for (const inbox of ourInboxes) for (const i of inbox.installations) await i.client.close()
  for (const driver of drivers) await driver.close()
  await node?.close()
})

/** Our installations' handles on the group, after taking any new welcome. */
async function ourSides(): Promise<{ key: string; conversation: Conversation }[]> {
  const out: { key: string; conversation: Conversation }[] = []
  for (const [n, inbox] of ourInboxes.entries()) {
    if (!inGroup.has(inbox.inboxId)) continue
    for (const [k, installation] of inbox.installations.entries()) {
      await installation.client.conversations.syncWelcomes()
      installation.conversation ??= await installation.client.conversations.get(groupId)
      if (installation.conversation === undefined) throw new Error(`${ourKey(n, k)} never joined`)
      out.push({ key: ourKey(n, k), conversation: installation.conversation })
    }
  }
  return out
}

const sdkSides = () => sdkInboxes.filter((i) => inGroup.has(i.inboxId)).flatMap((i) => i.installations)

async function converged(): Promise<void> {
  for (const driver of drivers)
    await Promise.all(
      sdkSides()
        .filter((s) => s.driver === driver)
        .map((s) => driver.call('sync', { name: s.name })),
    )
  const ours = await ourSides()
  const state = await expectConverged(
    groupId,
    ours.map((o) => o.conversation),
    sdkSides(),
  )
  expect(state.members.map((m) => m.inboxId).sort()).toEqual([...inGroup].sort())
  for (const member of state.members) expect(member.installationIds).toHaveLength(installationsPerInbox)
}

async function sendMessages(from: number, to: number): Promise<void> {
  const ours = await ourSides()
  const sdk = sdkSides()
  const recipients = new Set([...ours.map((o) => o.key), ...sdk.map((s) => s.name)])
  for (let i = from; i < to; i++) {
    const text = `soak ${i}`
    // Alternate implementations; within each, walk the installations.
    if (i % 2 === 0) await ours[(i / 2) % ours.length]?.conversation.sendText(text)
    else {
      const side = sdk[((i - 1) / 2) % sdk.length] as SdkSide
      // A blank leaf in the tree: libxmtp 1.9.1 must send in the current epoch (see the top of the file).
      if (inGroup.size < ourInboxes.length + sdkInboxes.length) {
        await side.driver.call('syncConversation', { name: side.name, conversationId: groupId })
      }
      await side.driver.call('sendText', { name: side.name, conversationId: groupId, text })
    }
    sent.push({ text, recipients })
  }
}

describe(`soak: ${inboxesPerSide * 2} inboxes (${inboxesPerSide} ours, ${inboxesPerSide} libxmtp) × ${installationsPerInbox} installations`, () => {
  it(`stays converged through ${messageCount} messages and 10 membership changes`, async () => {
    const creator = ourInboxes[0]?.installations[0]
    const sdkAdmin = sdkInboxes[0]?.installations[0]
    if (creator === undefined || sdkAdmin === undefined) throw new Error('no participants')
    const others = [...ourInboxes.slice(1), ...sdkInboxes].map((i) => i.inboxId)
    const group = await creator.client.conversations.newGroup(others, { name: 'soak' })
    groupId = group.id
    creator.conversation = group
    for (const inbox of [...ourInboxes, ...sdkInboxes]) inGroup.add(inbox.inboxId)
    await converged()
    // A libxmtp super admin, so both implementations make removals.
    await group.addSuperAdmin(sdkAdmin.inboxId)
    await converged()

    // 10 membership changes between message batches: remove an inbox, later re-add it; the actor and the
    // target alternate between implementations (never the two admins themselves).
    const targets = [sdkInboxes[1], ourInboxes[1], sdkInboxes[2], ourInboxes[2], sdkInboxes[1]]
    const changes: { actor: 'ours' | 'sdk'; kind: 'remove' | 'add'; inboxId: string }[] = []
    for (const [n, target] of targets.entries()) {
      if (target === undefined) continue
      changes.push({ actor: n % 2 === 0 ? 'ours' : 'sdk', kind: 'remove', inboxId: target.inboxId })
      changes.push({ actor: n % 2 === 0 ? 'sdk' : 'ours', kind: 'add', inboxId: target.inboxId })
    }
    expect(changes).toHaveLength(10)
    const perStep = messageCount / (changes.length + 1)
    let next = 0
    for (const [step, change] of changes.entries()) {
      const until = Math.round(perStep * (step + 1))
      while (next < until) {
        const end = Math.min(until, next + checkEvery)
        await sendMessages(next, end)
        next = end
        await converged()
      }
      if (change.actor === 'ours') {
        if (change.kind === 'remove') await group.removeMembers([change.inboxId])
        else await group.addMembers([change.inboxId])
      } else {
        const op = change.kind === 'remove' ? 'removeMembers' : 'addMembers'
        await sdkAdmin.driver.call(op, {
          name: sdkAdmin.name,
          conversationId: groupId,
          inboxIds: [change.inboxId],
        })
      }
      if (change.kind === 'remove') inGroup.delete(change.inboxId)
      else inGroup.add(change.inboxId)
      await converged()
      if (change.kind === 'remove') {
        // The removed installations know they are out.
        for (const side of sdkInboxes.find((i) => i.inboxId === change.inboxId)?.installations ?? []) {
          expect(await sdkIsActive(side, groupId)).toBe(false)
        }
        for (const installation of ourInboxes.find((i) => i.inboxId === change.inboxId)?.installations ??
          []) {
          await installation.conversation?.sync()
          expect(installation.conversation?.isActive).toBe(false)
        }
      }
    }
    while (next < messageCount) {
      const end = Math.min(messageCount, next + checkEvery)
      await sendMessages(next, end)
      next = end
      await converged()
    }

    // Delivery: exactly once to every installation in the group at send time, never twice to anyone.
    const received = new Map<string, string[]>()
    for (const [n, inbox] of ourInboxes.entries()) {
      for (const [k, installation] of inbox.installations.entries()) {
        const conversation =
          installation.conversation ?? (await installation.client.conversations.get(groupId))
        await conversation?.sync()
        received.set(ourKey(n, k), ourTexts((await conversation?.messages()) ?? []) as string[])
      }
    }
    for (const inbox of sdkInboxes) {
      for (const side of inbox.installations) {
        const messages = await side.driver.call<SdkMessage[]>('messages', {
          name: side.name,
          conversationId: groupId,
        })
        received.set(side.name, sdkTexts(messages) as string[])
      }
    }
    const problems: string[] = []
    for (const [who, texts] of received) {
      const counts = new Map<string, number>()
      for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1)
      for (const { text, recipients } of sent) {
        const count = counts.get(text) ?? 0
        if (count > 1 || (recipients.has(who) && count !== 1)) problems.push(`${who}: ${text} ×${count}`)
      }
    }
    expect(problems).toEqual([])
    expect(sent).toHaveLength(messageCount)
  }, 900_000)
})
