/**
 * Issue 9, the soak's lost messages narrowed down: an application message encrypted one epoch behind
 * the group (its sender had not read the latest commit; libxmtp publishes before it reads, mls-groups.md
 * §8.2, and re-sends only 3 or more epochs behind, §8.4) from a member whose leaf lies above a blank leaf
 * (a removed member's, not yet filled by an add).
 *
 * RFC 9420 §6.3.2: the receiver decrypts it with the secrets of the message's epoch and verifies the
 * signature with the sender's leaf of that epoch. Our client does (packages/mls group.test.ts has the
 * unit form). libxmtp 1.9.1 does not: its OpenMLS (xmtp/openmls rev beb0884, pinned by libxmtp 1.9.x and
 * 1.10.x) keeps each past epoch's members as a list without the blank leaves
 * (`MessageSecretsStore::add(.., public_group.members().collect())`) and looks the sender up by position
 * (`leaves_for_epoch(epoch).get(leaf_index as usize)`, group/public_group/process.rs). Above a blank leaf
 * the position names the next member, so the check uses the wrong key: "openmls process message error:
 * Verifying the signature failed" in libxmtp's log (or UnknownMember past the end), the message is
 * dropped for good, and its sender, which never reads it back as failed, does not re-send it. Upstream
 * OpenMLS fixed this in PR #1944 (2026-02-02, "correctly access credentials from past epochs").
 *
 * This test pins both halves: our client receives such a message, and libxmtp 1.9.1 peers do not (while
 * the same send without a blank leaf reaches them). When the SDK is upgraded to a libxmtp with the fix,
 * the second half fails: then delete it and the soak's sync-before-send workaround (mixedSoak).
 */
import { Client, type Conversation, createGrpcTransport, type Transport } from '@xmtp-lite/client'
import { createWalletSigner } from '@xmtp-lite/identity'
import type { RunningNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SdkDriver, SdkMessage } from './driver.ts'
import {
  expectConverged,
  officialClient,
  ourClient,
  ourTexts,
  type SdkSide,
  sdkTexts,
  startSdk,
  sdkPort,
  startSdkNode,
} from './mixedHarness.ts'

let node: RunningNode
let sdk: SdkDriver
let ours: Client
let ours2: Client
let sender: SdkSide
let reader: SdkSide
let renamer: SdkSide
/** An installation of ours whose next publish first runs `beforePublish` (a commit landing in between). */
let racer: Client
let beforePublish: (() => Promise<void>) | undefined

beforeAll(async () => {
  node = await startSdkNode()
  sdk = await startSdk()
  sender = await officialClient(sdk, 'sender', '31'.repeat(32))
  reader = await officialClient(sdk, 'reader', '32'.repeat(32))
  renamer = await officialClient(sdk, 'renamer', '33'.repeat(32))
  ours = await ourClient(0x34)
  ours2 = await ourClient(0x35)
  const grpc = createGrpcTransport({ url: `http://127.0.0.1:${sdkPort}` })
  const transport: Transport = {
    async unary(path, request, options) {
      const hook = path.endsWith('/SendGroupMessages') ? beforePublish : undefined
      if (hook !== undefined) {
        beforePublish = undefined
        await hook()
      }
      return grpc.unary(path, request, options)
    },
    serverStream: (path, request, sink) => grpc.serverStream(path, request, sink),
    close: () => grpc.close(),
  }
  racer = await Client.create(createWalletSigner(new Uint8Array(32).fill(0x36)), {
    transport,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(0x36),
  })
})

afterAll(async () => {
  await ours?.close()
  await ours2?.close()
  await racer?.close()
  await sdk?.close()
  await node?.close()
})

const sdkReceived = async (side: SdkSide, groupId: string) =>
  sdkTexts(await side.driver.call<SdkMessage[]>('messages', { name: side.name, conversationId: groupId }))

/** libxmtp log lines of a refused envelope whose signature check failed. */
const signatureFailures = (lines: readonly string[]) =>
  lines.filter((l) => /Transaction failed/.test(l) && /Verifying the signature failed/.test(l))

describe('a message one epoch behind, from a member above a blank leaf', () => {
  it('reaches our client; libxmtp 1.9.1 peers drop it (OpenMLS #1944), and only with the blank leaf', async () => {
    // Leaves in add order (one installation each): ours 0, ours2 1, sender 2, reader 3, renamer 4.
    const group = await ours.conversations.newGroup([ours2.inboxId], { name: 'past epoch' })
    for (const side of [sender, reader, renamer]) await group.addMembers([side.inboxId])
    for (const side of [sender, reader, renamer]) await sdk.call('sync', { name: side.name })
    const [mine2] = await ours2.conversations.syncWelcomes()
    if (mine2 === undefined) throw new Error('ours2 got no welcome')
    // libxmtp's first send in a group it joined is a key update then the message (§7.2): get it done.
    await sdk.call('sendText', { name: sender.name, conversationId: group.id, text: 'warm-up' })
    const everyone = async (sides: Conversation[]) =>
      expectConverged(group.id, sides, [sender, reader, renamer], { allowRefusals: true })
    await everyone([group, mine2])

    // Control, no blank leaf: libxmtp renames (the sender does not read it), the sender sends one epoch
    // behind; every member reads it.
    const before = (await everyone([group])).epoch
    await sdk.call('updateName', { name: renamer.name, conversationId: group.id, groupName: 'r1' })
    await sdk.call('sendText', { name: sender.name, conversationId: group.id, text: 'stale, no blank' })
    // (expectConverged drains libxmtp's log: read the messages and the log first.)
    expect(await sdkReceived(reader, group.id)).toContain('stale, no blank')
    expect(await sdkReceived(renamer, group.id)).toContain('stale, no blank')
    await group.sync()
    expect(ourTexts(await group.messages())).toContain('stale, no blank')
    expect(signatureFailures(sdk.takeLogs())).toEqual([])
    expect(BigInt((await everyone([group, mine2])).epoch)).toBe(BigInt(before) + 1n)

    // Remove ours2: leaf 1 is blank, below the sender's leaf 2.
    await group.removeMembers([ours2.inboxId])
    await everyone([group])
    sdk.takeLogs()

    // Same send again: one epoch behind (the rename), now above a blank leaf.
    const before2 = (await everyone([group])).epoch
    await sdk.call('updateName', { name: renamer.name, conversationId: group.id, groupName: 'r2' })
    await sdk.call('sendText', { name: sender.name, conversationId: group.id, text: 'stale, above a blank' })
    // libxmtp 1.9.1: both peers refuse it with a signature failure; the sender, which holds it as sent,
    // never re-sends it.
    expect(await sdkReceived(reader, group.id)).not.toContain('stale, above a blank')
    expect(await sdkReceived(renamer, group.id)).not.toContain('stale, above a blank')
    expect(await sdkReceived(sender, group.id)).toContain('stale, above a blank')
    expect(signatureFailures(sdk.takeLogs()).length).toBeGreaterThanOrEqual(2)
    // Ours: decrypted with that epoch's secrets, verified with the sender's leaf of that epoch.
    await group.sync()
    const got = (await group.messages()).filter(
      (m) => m.kind === 'application' && m.content === 'stale, above a blank',
    )
    expect(got.map((m) => m.senderInboxId)).toEqual([sender.inboxId])
    // Nothing else diverged: same epoch, members and metadata everywhere.
    const after = await everyone([group])
    expect(BigInt(after.epoch)).toBe(BigInt(before2) + 1n)
    expect(after.name).toBe('r2')
  })

  it('ours too, when a commit lands between our sync and our publish (the race left to our side)', async () => {
    // Leaves: ours 0, ours2 1, racer 2, reader 3, renamer 4.
    const group = await ours.conversations.newGroup([ours2.inboxId], { name: 'race' })
    for (const member of [racer.inboxId, reader.inboxId, renamer.inboxId]) await group.addMembers([member])
    for (const side of [reader, renamer]) await sdk.call('sync', { name: side.name })
    const [raced] = await racer.conversations.syncWelcomes()
    if (raced === undefined) throw new Error('racer got no welcome')
    await group.removeMembers([ours2.inboxId])
    const everyone = () =>
      expectConverged(group.id, [group, raced], [reader, renamer], { allowRefusals: true })
    await everyone()
    // The racer syncs, encrypts, and only then (before its publish reaches the node) libxmtp renames.
    beforePublish = () =>
      sdk.call('updateName', { name: renamer.name, conversationId: group.id, groupName: 'raced' })
    await raced.sendText('ours, one epoch behind')
    expect(beforePublish).toBeUndefined()
    expect(await sdkReceived(reader, group.id)).not.toContain('ours, one epoch behind')
    expect(await sdkReceived(renamer, group.id)).not.toContain('ours, one epoch behind')
    expect(signatureFailures(sdk.takeLogs()).length).toBeGreaterThanOrEqual(2)
    await group.sync()
    expect(ourTexts(await group.messages())).toContain('ours, one epoch behind')
    expect((await everyone()).name).toBe('raced')
  })
})
