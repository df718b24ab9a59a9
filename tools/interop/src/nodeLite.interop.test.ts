/**
 * Issue 6's official-SDK scenarios: `@xmtp/node-sdk` 5.5.0 (libxmtp 1.9.1, Node 22) against our
 * node-lite, unchanged, over real gRPC (h2c on localhost:5556), on a LevelDB directory so the node can be
 * restarted between two steps.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SdkDriver, type SdkGroupState, type SdkMessage } from './driver.ts'

const keys = {
  alice: '0x1111111111111111111111111111111111111111111111111111111111111111',
  bob: '0x2222222222222222222222222222222222222222222222222222222222222222',
  carol: '0x3333333333333333333333333333333333333333333333333333333333333333',
} as const

let dataDir: string
let node: RunningNode
let sdk: SdkDriver
const inbox: Record<string, string> = {}
let groupId = ''

async function start(): Promise<RunningNode> {
  return startNode({ dataDir, grpcPort: 5556, httpPort: false, rateLimits: false })
}

const texts = (messages: readonly SdkMessage[]) =>
  messages.filter((m) => m.contentType === 'xmtp.org/text:1.0').map((m) => m.content)

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'xmtp-lite-interop-'))
  node = await start()
  sdk = await SdkDriver.start()
})

afterAll(async () => {
  await sdk?.close()
  await node?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('the official SDK on node-lite', () => {
  it('registers two wallets, each inbox id as the SDK derives it', async () => {
    for (const name of ['alice', 'bob'] as const) {
      const info = await sdk.createClient(name, keys[name])
      inbox[name] = info.inboxId
      expect(info.inboxId).toBe(await sdk.generateInboxId(info.address, 1n))
      const state = await sdk.call<{ installations: string[] }>('inboxState', { name, refresh: true })
      expect(state.installations).toEqual([info.installationId])
    }
  })

  it('creates a group that the other member syncs and sees, with its name and members', async () => {
    const created = await sdk.call<{ id: string }>('newGroup', {
      name: 'alice',
      inboxIds: [inbox.bob],
      groupName: 'interop',
    })
    groupId = created.id
    await sdk.call('sync', { name: 'bob' })
    const list = await sdk.call<{ id: string; name: string | null }[]>('listConversations', { name: 'bob' })
    expect(list.map((c) => c.id)).toContain(groupId)
    const state = await sdk.call<SdkGroupState>('groupState', { name: 'bob', conversationId: groupId })
    expect(state.name).toBe('interop')
    expect(state.members.map((m) => m.inboxId).sort()).toEqual([inbox.alice, inbox.bob].sort())
  })

  it('carries messages both ways, in order', async () => {
    await sdk.call('sendText', { name: 'alice', conversationId: groupId, text: 'gm bob' })
    await sdk.call('sendText', { name: 'bob', conversationId: groupId, text: 'gm alice' })
    await sdk.call('sendText', { name: 'alice', conversationId: groupId, text: 'how are you' })
    for (const name of ['alice', 'bob']) {
      const messages = await sdk.call<SdkMessage[]>('messages', { name, conversationId: groupId })
      expect(texts(messages)).toEqual(['gm bob', 'gm alice', 'how are you'])
    }
  })

  it('opens a DM and delivers in it', async () => {
    const dm = await sdk.call<{ id: string }>('newDm', { name: 'bob', inboxId: inbox.alice })
    await sdk.call('sendText', { name: 'bob', conversationId: dm.id, text: 'psst' })
    await sdk.call('sync', { name: 'alice' })
    const messages = await sdk.call<SdkMessage[]>('messages', { name: 'alice', conversationId: dm.id })
    expect(texts(messages)).toEqual(['psst'])
  })

  it('adds and removes a member, renames the group, and both sides agree on the epoch', async () => {
    inbox.carol = (await sdk.createClient('carol', keys.carol)).inboxId
    await sdk.call('addMembers', { name: 'alice', conversationId: groupId, inboxIds: [inbox.carol] })
    await sdk.call('sync', { name: 'carol' })
    const carolView = await sdk.call<SdkGroupState>('groupState', { name: 'carol', conversationId: groupId })
    expect(carolView.members).toHaveLength(3)
    await sdk.call('updateName', { name: 'alice', conversationId: groupId, groupName: 'renamed' })
    await sdk.call('removeMembers', { name: 'alice', conversationId: groupId, inboxIds: [inbox.carol] })
    const a = await sdk.call<SdkGroupState>('groupState', { name: 'alice', conversationId: groupId })
    const b = await sdk.call<SdkGroupState>('groupState', { name: 'bob', conversationId: groupId })
    expect(b.name).toBe('renamed')
    expect(b.epoch).toBe(a.epoch)
    expect(b.members.map((m) => m.inboxId).sort()).toEqual([inbox.alice, inbox.bob].sort())
  })

  it('streams a message sent after the stream opened', async () => {
    const { streamId } = await sdk.call<{ streamId: number }>('streamStart', {
      name: 'bob',
      conversationId: groupId,
    })
    await sdk.call('sendText', { name: 'alice', conversationId: groupId, text: 'live' })
    const got = await sdk.call<SdkMessage[]>('streamTake', { streamId, count: 1, timeoutMs: 20_000 })
    expect(texts(got)).toEqual(['live'])
    await sdk.call('streamStop', { streamId })
  })

  it('keeps everything across a node restart from disk', async () => {
    await node.close()
    node = await start()
    await sdk.call('sendText', { name: 'bob', conversationId: groupId, text: 'after restart' })
    const messages = await sdk.call<SdkMessage[]>('messages', { name: 'alice', conversationId: groupId })
    expect(texts(messages)).toEqual(['gm bob', 'gm alice', 'how are you', 'live', 'after restart'])
  })

  it('revokes an installation', async () => {
    const second = await sdk.createClient('alice2', keys.alice)
    expect(second.inboxId).toBe(inbox.alice)
    const before = await sdk.call<{ installations: string[] }>('inboxState', {
      name: 'alice2',
      refresh: true,
    })
    expect(before.installations).toHaveLength(2)
    const first = before.installations.find((id) => id !== second.installationId) as string
    await sdk.call('revokeInstallations', { name: 'alice2', installationIds: [first] })
    const after = await sdk.call<{ installations: string[] }>('inboxState', { name: 'alice2', refresh: true })
    expect(after.installations).toEqual([second.installationId])
  })
})
