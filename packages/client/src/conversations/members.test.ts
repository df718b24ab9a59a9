/**
 * Adding members whose key packages are not all valid, on a real node-lite (§3.3, §7.1): an installation
 * without a valid key package is listed as failed and the others join; an inbox with none is unreachable.
 * The invalid key package here is an expired one: uploaded while valid, read by an adder whose clock is
 * past its lifetime (one hour back, 84 days forward).
 */
import { toHex } from '@xmtp-lite/common'
import { createWalletSigner } from '@xmtp-lite/identity'
import { decodeGroupMembership, ExtensionType } from '@xmtp-lite/mls'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../client.ts'
import type { Conversation } from './conversation.ts'

const day = 24 * 60 * 60 * 1000
let node: RunningNode
const clients: Client[] = []

async function newClient(seed: number, now: () => number = Date.now): Promise<Client> {
  const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(7),
    now,
  })
  clients.push(client)
  return client
}

function failedInstallations(group: Conversation): string[] {
  const data = group.mlsGroup.extension(ExtensionType.GroupMembership)
  if (data === undefined) throw new Error('no membership extension')
  return decodeGroupMembership(data).failedInstallations.map(toHex)
}

beforeAll(async () => {
  node = await startNode({ memory: true, grpcPort: 0, httpPort: false, rateLimits: false })
})

afterAll(async () => {
  for (const c of clients) await c.close()
  await node?.close()
})

describe('adding members with invalid key packages', () => {
  it('lists an installation with an expired key package as failed; the others join and read', async () => {
    const start = Date.now()
    let clock = start
    const alice = await newClient(61, () => clock)
    const bob = await newClient(62)
    // Carol's first installation made its key package 50 days ago (valid for 34 more days), her second now.
    const carolOld = await newClient(63, () => Date.now() - 50 * day)
    const carolNew = await newClient(63)
    clock = start + 40 * day
    const group = await alice.conversations.newGroup([bob.inboxId, carolOld.inboxId])
    const carol = group.members().find((m) => m.inboxId === carolNew.inboxId)
    expect(carol?.installationIds).toEqual([carolNew.installationId])
    expect(group.members().find((m) => m.inboxId === bob.inboxId)?.installationIds).toEqual([
      bob.installationId,
    ])
    expect(failedInstallations(group)).toEqual([carolOld.installationId])

    await group.sendText('to those who joined')
    for (const member of [bob, carolNew]) {
      await member.conversations.syncWelcomes()
      const view = await member.conversations.get(group.id)
      await view?.sync()
      const texts = ((await view?.messages()) ?? []).filter((m) => m.kind === 'application')
      expect(texts.map((m) => m.content)).toEqual(['to those who joined'])
      expect(view?.epoch).toBe(group.epoch)
    }
  })

  it('refuses an inbox whose only key package is expired, and adds nobody', async () => {
    const start = Date.now()
    let clock = start
    const alice = await newClient(64, () => clock)
    const bob = await newClient(65)
    const dave = await newClient(66, () => Date.now() - 50 * day)
    clock = start + 40 * day
    const group = await alice.conversations.newGroup([])
    const error = await group.addMembers([bob.inboxId, dave.inboxId]).catch((e: unknown) => e)
    expect((error as { code?: string }).code).toBe('Client::MemberUnreachable')
    expect(group.members().map((m) => m.inboxId)).toEqual([alice.inboxId])
    // With every key package valid, the same add goes through.
    await group.addMembers([bob.inboxId])
    expect(
      group
        .members()
        .map((m) => m.inboxId)
        .sort(),
    ).toEqual([alice.inboxId, bob.inboxId].sort())
  })
})
