/**
 * Identity operations of a client on a real node-lite (real identity validation): installations added up
 * to libxmtp's limit of 10, revoked by the recovery identifier (one, or all others), the recovery
 * identifier handed over; and groups dropping a revoked installation at the members' next send
 * (mls-groups.md §7.1).
 */
import { toHex } from '@xmtp-lite/common'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, maxInstallationsPerInbox } from '../client.ts'
import { type Conversation, syncInstallationsCheckIntervalMs } from '../conversations/conversation.ts'

let node: RunningNode
const clients: Client[] = []
const wallet = (n: number) => createWalletSigner(new Uint8Array(32).fill(n))

async function install(seed: number, now?: () => number): Promise<Client> {
  const client = await Client.create(wallet(seed), {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(8),
    ...(now === undefined ? {} : { now }),
  })
  clients.push(client)
  return client
}

const ids = (keys: readonly Uint8Array[]) => keys.map(toHex).sort()

async function view(client: Client, id: string): Promise<Conversation> {
  await client.conversations.syncWelcomes()
  const conversation = await client.conversations.get(id)
  if (conversation === undefined) throw new Error('no such conversation')
  await conversation.sync()
  return conversation
}

const texts = async (c: Conversation) =>
  (await c.messages()).filter((m) => m.kind === 'application').map((m) => m.content)

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await node?.close()
})

describe('installations of an inbox', () => {
  it(`registers up to ${maxInstallationsPerInbox} installations, refuses the next with a typed error`, async () => {
    const first = await install(81)
    for (let i = 1; i < maxInstallationsPerInbox; i++) await install(81)
    expect((await first.inboxState()).installations).toHaveLength(maxInstallationsPerInbox)
    const refused = await install(81).catch((e) => e)
    expect(refused.code).toBe('Client::TooManyInstallations')
    // Nothing was published for the refused one.
    expect((await first.inboxState()).installations).toHaveLength(maxInstallationsPerInbox)
    // Revoking one makes room.
    const last = clients.at(-1) as Client
    await first.revokeInstallations(wallet(81), [last.installationKey])
    const room = await install(81)
    expect(ids((await first.inboxState()).installations)).toContain(room.installationId)
    expect(ids((await first.inboxState()).installations)).not.toContain(last.installationId)
  })

  it('revokes all other installations, only by the recovery identifier, which can be handed over', async () => {
    const main = await install(82)
    const phone = await install(82)
    const laptop = await install(82)
    expect((await main.inboxState()).installations).toHaveLength(3)
    // A wallet that is not the recovery identifier cannot revoke.
    const stranger = await main.revokeInstallations(wallet(83), [phone.installationKey]).catch((e) => e)
    expect(stranger.code).toBe('Client::InvalidArgument')
    const notOurs = await main.revokeInstallations(wallet(82), [new Uint8Array(32).fill(1)]).catch((e) => e)
    expect(notOurs.code).toBe('Client::InvalidArgument')

    const after = await main.revokeAllOtherInstallations(wallet(82))
    expect(ids(after.installations)).toEqual([main.installationId])
    // The other installations see it too, from the node's log verified locally.
    expect(ids((await laptop.inboxState()).installations)).toEqual([main.installationId])

    // Recovery moves to another wallet: the old one can no longer revoke, the new one can.
    const next = wallet(84).identifier
    const handed = await main.changeRecoveryIdentifier(wallet(82), next)
    expect(handed.recoveryIdentifier).toEqual(next)
    const tablet = await install(82)
    const old = await main.revokeInstallations(wallet(82), [tablet.installationKey]).catch((e) => e)
    expect(old.code).toBe('Client::InvalidArgument')
    await main.revokeInstallations(wallet(84), [tablet.installationKey])
    expect(ids((await main.inboxState()).installations)).toEqual([main.installationId])
  })
})

describe('groups and revoked installations', () => {
  it('a member’s next send removes a revoked installation; it reads nothing after', async () => {
    const alice1 = await install(85)
    const alice2 = await install(85)
    let clock = Date.now()
    const bob = await install(86, () => clock)
    const group = await bob.conversations.newGroup([alice1.inboxId])
    const aliceInGroup = () => group.members().find((m) => m.inboxId === alice1.inboxId)?.installationIds
    expect(aliceInGroup()).toEqual([alice1.installationId, alice2.installationId].sort())
    const a1 = await view(alice1, group.id)
    const a2 = await view(alice2, group.id)
    await group.sendText('to both')
    await a2.sync()
    expect(await texts(a2)).toEqual(['to both'])

    await alice1.revokeInstallations(wallet(85), [alice2.installationKey])
    // Bob checked at his first send; within 5 s a send does not check again (libxmtp's interval) ...
    await group.sendText('soon after')
    expect(aliceInGroup()).toEqual([alice1.installationId, alice2.installationId].sort())
    // ... after it, the send first commits the removal.
    clock += 5_000
    await group.sendText('after the revocation')
    expect(aliceInGroup()).toEqual([alice1.installationId])
    await a1.sync()
    await a2.sync()
    expect(a1.epoch).toBe(group.epoch)
    expect(a1.members()).toEqual(group.members())
    expect(await texts(a1)).toEqual(['to both', 'soon after', 'after the revocation'])
    expect(a2.isActive).toBe(false)
    expect(await texts(a2)).toEqual(['to both', 'soon after'])
    // Nothing left to do: no commit.
    const epoch = group.epoch
    await group.updateInstallations()
    expect(group.epoch).toBe(epoch)
  })

  it('a new installation joins the groups at the members’ next check', async () => {
    const carol = await install(87)
    const dave1 = await install(88)
    const group = await carol.conversations.newGroup([dave1.inboxId])
    const dave2 = await install(88)
    await group.updateInstallations()
    expect(group.members().find((m) => m.inboxId === dave1.inboxId)?.installationIds).toEqual(
      [dave1.installationId, dave2.installationId].sort(),
    )
    await group.sendText('hello both daves')
    const d2 = await view(dave2, group.id)
    expect(await texts(d2)).toEqual(['hello both daves'])
    expect(d2.epoch).toBe(group.epoch)
  })

  it('a sync checks members’ installations at most every 30 min, syncAll even for an idle group', async () => {
    let clock = Date.now()
    const erin = await install(89, () => clock)
    const frank1 = await install(90)
    const group = await erin.conversations.newGroup([frank1.inboxId])
    const frankIn = () => group.members().find((m) => m.inboxId === frank1.inboxId)?.installationIds
    const frank2 = await install(90)
    // Within 30 min of the group's creation a sync does not look.
    clock += syncInstallationsCheckIntervalMs - 60_000
    await group.sync()
    await erin.conversations.syncAll()
    expect(frankIn()).toEqual([frank1.installationId])
    // Past it, syncAll adds the new installation although the group has no new message.
    clock += 60_000
    const epoch = group.epoch
    await erin.conversations.syncAll()
    expect(frankIn()).toEqual([frank1.installationId, frank2.installationId].sort())
    expect(group.epoch).toBe(epoch + 1n)
    // The next check is 30 min later, from a plain sync of the conversation.
    const frank3 = await install(90)
    clock += syncInstallationsCheckIntervalMs - 60_000
    await group.sync()
    expect(frankIn()).not.toContain(frank3.installationId)
    clock += 60_000
    await group.sync()
    expect(frankIn()).toContain(frank3.installationId)
    // Nothing changed since: the next due check commits nothing.
    clock += syncInstallationsCheckIntervalMs
    const settled = group.epoch
    await erin.conversations.syncAll()
    expect(group.epoch).toBe(settled)
    // The new installation reads the group.
    await group.sendText('to all three')
    const f3 = await view(frank3, group.id)
    expect(await texts(f3)).toEqual(['to all three'])
  })
})
