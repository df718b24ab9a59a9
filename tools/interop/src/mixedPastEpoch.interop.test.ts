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
 * The first test pins both halves: our client receives such a message, and libxmtp 1.9.1 peers do not
 * (while the same send without a blank leaf reaches them). When the SDK is upgraded to a libxmtp with the
 * fix, its second half fails: then delete it and the soak's sync-before-send workaround (mixedSoak).
 *
 * Our client syncs before it sends, but a commit can still land between that sync and the publish. The
 * second test makes that happen (a transport hook runs a libxmtp rename just before our publish): our
 * client reads its message back one epoch behind and sends it again in the current epoch, with the same
 * idempotency key and so the same message id; libxmtp stores the two copies as one message, and above a
 * blank leaf it refuses the first and reads the second.
 */
import { Client, type Conversation, createGrpcTransport, type Transport } from '@xmtp-lite/client'
import { createWalletSigner } from '@xmtp-lite/identity'
import { MemoryLevel } from 'memory-level'
import { describe, expect, it } from 'vitest'
import type { SdkMessage } from './driver.ts'
import { expectConverged, ourTexts, type SdkSide, sdkPort, sdkTexts, useCast } from './mixedHarness.ts'

let beforePublish: (() => Promise<void>) | undefined

const cast = useCast(async (stage) => {
  const sender = await stage.official('sender', '31'.repeat(32))
  const reader = await stage.official('reader', '32'.repeat(32))
  const renamer = await stage.official('renamer', '33'.repeat(32))
  const ours = await stage.ours(0x34)
  const ours2 = await stage.ours(0x35)
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
  /** An installation of ours whose next publish first runs `beforePublish` (a commit landing in between). */
  const racer = stage.closes(
    await Client.create(createWalletSigner(new Uint8Array(32).fill(0x36)), {
      transport,
      db: new MemoryLevel(),
      encryptionKey: new Uint8Array(32).fill(0x36),
    }),
  )
  return { sender, reader, renamer, ours, ours2, racer }
})

const sdkReceived = async (side: SdkSide, groupId: string) =>
  sdkTexts(await side.driver.call<SdkMessage[]>('messages', { name: side.name, conversationId: groupId }))

/** libxmtp log lines of a refused envelope whose signature check failed. */
const signatureFailures = (lines: readonly string[]) =>
  lines.filter((l) => /Transaction failed/.test(l) && /Verifying the signature failed/.test(l))

describe('a message one epoch behind, from a member above a blank leaf', () => {
  it('reaches our client; libxmtp 1.9.1 peers drop it (OpenMLS #1944), and only with the blank leaf', async () => {
    // Leaves in add order (one installation each): ours 0, ours2 1, sender 2, reader 3, renamer 4.
    const group = await cast.ours.conversations.newGroup([cast.ours2.inboxId], { name: 'past epoch' })
    for (const side of [cast.sender, cast.reader, cast.renamer]) await group.addMembers([side.inboxId])
    for (const side of [cast.sender, cast.reader, cast.renamer])
      await cast.sdk.call('sync', { name: side.name })
    const [mine2] = await cast.ours2.conversations.syncWelcomes()
    if (mine2 === undefined) throw new Error('ours2 got no welcome')
    // libxmtp's first send in a group it joined is a key update then the message (§7.2): get it done.
    await cast.sdk.call('sendText', { name: cast.sender.name, conversationId: group.id, text: 'warm-up' })
    const everyone = async (sides: Conversation[]) =>
      expectConverged(group.id, sides, [cast.sender, cast.reader, cast.renamer], { allowRefusals: true })
    await everyone([group, mine2])

    // Control, no blank leaf: libxmtp renames (the sender does not read it), the sender sends one epoch
    // behind; every member reads it.
    const before = (await everyone([group])).epoch
    await cast.sdk.call('updateName', { name: cast.renamer.name, conversationId: group.id, groupName: 'r1' })
    await cast.sdk.call('sendText', {
      name: cast.sender.name,
      conversationId: group.id,
      text: 'stale, no blank',
    })
    // (expectConverged drains libxmtp's log: read the messages and the log first.)
    expect(await sdkReceived(cast.reader, group.id)).toContain('stale, no blank')
    expect(await sdkReceived(cast.renamer, group.id)).toContain('stale, no blank')
    await group.sync()
    expect(ourTexts(await group.messages())).toContain('stale, no blank')
    expect(signatureFailures(cast.sdk.takeLogs())).toEqual([])
    expect(BigInt((await everyone([group, mine2])).epoch)).toBe(BigInt(before) + 1n)

    // Remove ours2: leaf 1 is blank, below the sender's leaf 2.
    await group.removeMembers([cast.ours2.inboxId])
    await everyone([group])
    cast.sdk.takeLogs()

    // Same send again: one epoch behind (the rename), now above a blank leaf.
    const before2 = (await everyone([group])).epoch
    await cast.sdk.call('updateName', { name: cast.renamer.name, conversationId: group.id, groupName: 'r2' })
    await cast.sdk.call('sendText', {
      name: cast.sender.name,
      conversationId: group.id,
      text: 'stale, above a blank',
    })
    // libxmtp 1.9.1: both peers refuse it with a signature failure; the sender, which holds it as sent,
    // never re-sends it.
    expect(await sdkReceived(cast.reader, group.id)).not.toContain('stale, above a blank')
    expect(await sdkReceived(cast.renamer, group.id)).not.toContain('stale, above a blank')
    expect(await sdkReceived(cast.sender, group.id)).toContain('stale, above a blank')
    expect(signatureFailures(cast.sdk.takeLogs()).length).toBeGreaterThanOrEqual(2)
    // Ours: decrypted with that epoch's secrets, verified with the sender's leaf of that epoch.
    await group.sync()
    const got = (await group.messages()).filter(
      (m) => m.kind === 'application' && m.content === 'stale, above a blank',
    )
    expect(got.map((m) => m.senderInboxId)).toEqual([cast.sender.inboxId])
    // Nothing else diverged: same epoch, members and metadata everywhere.
    const after = await everyone([group])
    expect(BigInt(after.epoch)).toBe(BigInt(before2) + 1n)
    expect(after.name).toBe('r2')
  })

  it('ours, overtaken by a commit between our sync and our publish, are sent again and read once', async () => {
    // Leaves: ours 0, ours2 1, racer 2, reader 3, renamer 4.
    const group = await cast.ours.conversations.newGroup([cast.ours2.inboxId], { name: 'race' })
    for (const member of [cast.racer.inboxId, cast.reader.inboxId, cast.renamer.inboxId])
      await group.addMembers([member])
    for (const side of [cast.reader, cast.renamer]) await cast.sdk.call('sync', { name: side.name })
    const [raced] = await cast.racer.conversations.syncWelcomes()
    if (raced === undefined) throw new Error('racer got no welcome')
    const everyone = () =>
      expectConverged(group.id, [group, raced], [cast.reader, cast.renamer], { allowRefusals: true })
    await everyone()
    const count = (texts: readonly unknown[], text: string) => texts.filter((t) => t === text).length
    /** The racer sends; libxmtp renames after the racer's sync, before its publish reaches the node. */
    const overtaken = async (text: string, groupName: string) => {
      beforePublish = () =>
        cast.sdk.call('updateName', { name: cast.renamer.name, conversationId: group.id, groupName })
      await raced.sendText(text)
      expect(beforePublish).toBeUndefined()
      const counts = [
        count(await sdkReceived(cast.reader, group.id), text),
        count(await sdkReceived(cast.renamer, group.id), text),
      ]
      const refused = signatureFailures(cast.sdk.takeLogs()).length
      await group.sync()
      counts.push(
        count(ourTexts(await group.messages()), text),
        count(ourTexts(await raced.messages()), text),
      )
      expect((await everyone()).name).toBe(groupName)
      return { counts, refused }
    }

    // No blank leaf: libxmtp reads the first copy and stores the second as the same message (§8.5).
    expect(await overtaken('overtaken, no blank', 'r1')).toEqual({ counts: [1, 1, 1, 1], refused: 0 })

    // Above a blank leaf: libxmtp 1.9.1 refuses the first copy (OpenMLS #1944) and reads the second.
    await group.removeMembers([cast.ours2.inboxId])
    await everyone()
    const above = await overtaken('overtaken, above a blank', 'r2')
    expect(above.counts).toEqual([1, 1, 1, 1])
    expect(above.refused).toBeGreaterThanOrEqual(2)
  })
})
