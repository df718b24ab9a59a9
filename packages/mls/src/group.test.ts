/**
 * Group scenarios through our API with small groups and fixed installation keys: create, join by welcome,
 * messages both ways, add, remove, metadata, self-update, remove-and-re-add, leave, rejected commits.
 */
import { BaseError, isBaseError, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { MlsError } from './errors.ts'
import {
  type CommitValidator,
  decodePendingCommit,
  encodePendingCommit,
  MlsGroup,
  messageEpoch,
  type PendingCommit,
  type ReceivedMessage,
} from './group.ts'
import { createKeyPackage } from './key-package.ts'
import { GroupStore, memoryStorage } from './storage.ts'
import {
  contentText,
  contentTypeId,
  groupExtensions,
  groupName,
  leaveRequestContent,
  membership,
  mutableMetadata,
  textContent,
  withExtension,
} from './test-fixtures/xmtp-extensions.ts'
import { unwrapWelcome, wrapWelcome } from './welcome.ts'

interface User {
  inboxId: string
  installationPrivateKey: Uint8Array
  group?: MlsGroup
}

function user(n: number): User {
  return {
    inboxId: n.toString(16).padStart(2, '0').repeat(32),
    installationPrivateKey: new Uint8Array(32).fill(n),
  }
}

function g(u: User): MlsGroup {
  if (u.group === undefined) throw new Error('not in the group')
  return u.group
}

async function code(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run()
    return undefined
  } catch (error) {
    return isBaseError(error) ? error.code : `untyped: ${String(error)}`
  }
}

/** Key packages for `users`, and a join function that unwraps the wrapped welcome of a commit. */
async function invite(users: User[]) {
  const kps = await Promise.all(
    users.map((u) =>
      createKeyPackage({ inboxId: u.inboxId, installationPrivateKey: u.installationPrivateKey }),
    ),
  )
  return {
    keyPackages: kps.map((k) => k.keyPackage),
    async join(pending: PendingCommit, cursor: bigint) {
      for (const [i, u] of users.entries()) {
        const kp = kps[i]
        if (kp === undefined || pending.welcome === undefined) throw new Error('no welcome')
        const target = pending.added.find((a) => toHex(a.installationKey) === toHex(kp.installationKey))
        if (target === undefined) throw new Error('not added')
        const wrapped = await wrapWelcome(pending.welcome, target.initKey, cursor)
        const opened = await unwrapWelcome(wrapped.data, wrapped.welcomeMetadata, kp.initPrivateKey)
        expect(opened.messageCursor).toBe(cursor)
        u.group = await MlsGroup.join(opened.welcome, {
          keyPackage: kp.keyPackage,
          initPrivateKey: kp.initPrivateKey,
          encryptionPrivateKey: kp.encryptionPrivateKey,
          installationPrivateKey: u.installationPrivateKey,
        })
      }
    },
  }
}

/** Commits for `committer`, merges it, and has `others` process it. */
async function commitAndFanOut(
  committer: User,
  pending: PendingCommit,
  others: User[],
  validate?: CommitValidator,
): Promise<ReceivedMessage[]> {
  g(committer).merge(pending)
  const out: ReceivedMessage[] = []
  for (const o of others) out.push(await g(o).processMessage(pending.commit, validate))
  return out
}

async function sameEpochSecrets(users: User[]): Promise<void> {
  const secrets = await Promise.all(
    users.map(async (u) => toHex(await g(u).exportSecret('test', new Uint8Array(), 16))),
  )
  expect(new Set(secrets).size).toBe(1)
  expect(new Set(users.map((u) => g(u).epoch)).size).toBe(1)
}

async function send(from: User, text: string, to: User[], key = `${text}-key`): Promise<void> {
  const sent = await g(from).sendMessage(textContent(text), key)
  for (const u of to) {
    const got = await g(u).processMessage(sent.message)
    if (got.kind !== 'application') throw new Error('expected an application message')
    expect(contentText(got.content)).toBe(text)
    expect(got.sender.inboxId).toBe(from.inboxId)
    expect(got.idempotencyKey).toBe(key)
    expect(toHex(got.messageId)).toBe(toHex(sent.messageId))
  }
}

describe('MlsGroup scenarios', () => {
  it('create, join, messages both ways, add, rename, self-update, remove, re-add, leave', async () => {
    const [alice, bob, carol, dave] = [user(1), user(2), user(3), user(4)]
    alice.group = await MlsGroup.create({ identity: alice, extensions: groupExtensions(alice.inboxId) })
    expect(g(alice).groupId).toHaveLength(16)
    expect(g(alice).epoch).toBe(0n)

    // Alice adds Bob: Add + membership GCE in one commit (§7.1).
    const bobInvite = await invite([bob])
    const add = await g(alice).commit({
      add: bobInvite.keyPackages,
      extensions: withExtension(
        g(alice).extensions(),
        0xff01,
        membership({ [alice.inboxId]: 1, [bob.inboxId]: 1 }),
      ),
    })
    expect(g(alice).epoch).toBe(0n) // staged, not merged
    g(alice).merge(add)
    await bobInvite.join(add, 7n)
    await sameEpochSecrets([alice, bob])
    expect(
      g(bob)
        .members()
        .map((m) => m.inboxId),
    ).toEqual([alice.inboxId, bob.inboxId])
    expect(toHex(g(bob).extension(0xff01) ?? new Uint8Array())).toBe(
      toHex(membership({ [alice.inboxId]: 1, [bob.inboxId]: 1 })),
    )

    await send(alice, 'hi bob', [bob])
    await send(bob, 'hi alice', [alice])

    // Bob adds Carol (default policy: any member may add).
    const carolInvite = await invite([carol])
    const addCarol = await g(bob).commit({
      add: carolInvite.keyPackages,
      extensions: withExtension(
        g(bob).extensions(),
        0xff01,
        membership({ [alice.inboxId]: 1, [bob.inboxId]: 1, [carol.inboxId]: 1 }),
      ),
    })
    const [seenByAlice] = await commitAndFanOut(bob, addCarol, [alice])
    expect(seenByAlice?.kind === 'commit' && seenByAlice.added.map((m) => m.inboxId)).toEqual([carol.inboxId])
    await carolInvite.join(addCarol, 8n)
    await sameEpochSecrets([alice, bob, carol])
    await send(carol, 'hello all', [alice, bob])

    // Rename: a GCE commit with a path (patched ts-mls), processed by both others.
    const rename = await g(alice).commit({
      extensions: withExtension(g(alice).extensions(), 0xff00, mutableMetadata('renamed', [alice.inboxId])),
    })
    const renamed = await commitAndFanOut(alice, rename, [bob, carol])
    expect(renamed.every((r) => r.kind === 'commit' && r.extensionsChanged)).toBe(true)
    for (const u of [alice, bob, carol]) expect(groupName(g(u).extensions())).toBe('renamed')
    await sameEpochSecrets([alice, bob, carol])

    // Self-update (key update): an empty commit.
    const epochBefore = g(carol).epoch
    const update = await g(carol).selfUpdate()
    await commitAndFanOut(carol, update, [alice, bob])
    expect(g(alice).epoch).toBe(epochBefore + 1n)
    await sameEpochSecrets([alice, bob, carol])

    // A message from the epoch before the update still decrypts (3 past epochs kept).
    // Alice removes Bob (and his inbox from the membership).
    const bobKey =
      g(bob)
        .members()
        .find((m) => m.inboxId === bob.inboxId)?.installationKey ?? new Uint8Array()
    const remove = await g(alice).commit({
      remove: [bobKey],
      extensions: withExtension(
        g(alice).extensions(),
        0xff01,
        membership({ [alice.inboxId]: 1, [carol.inboxId]: 1 }),
      ),
    })
    const [carolSees, bobSees] = await commitAndFanOut(alice, remove, [carol, bob])
    expect(carolSees?.kind === 'commit' && carolSees.removed.map((m) => m.inboxId)).toEqual([bob.inboxId])
    expect(bobSees?.kind === 'commit' && bobSees.selfRemoved).toBe(true)
    // The epoch the commit moved the group to, as for the members who stay.
    expect(bobSees?.epoch).toBe(g(alice).epoch)
    expect(carolSees?.epoch).toBe(g(alice).epoch)
    expect(g(bob).isActive).toBe(false)
    expect(await code(() => g(bob).sendMessage(textContent('still here?'), 'k'))).toBe('Mls::GroupInactive')
    await sameEpochSecrets([alice, carol])
    expect(
      g(alice)
        .members()
        .map((m) => m.inboxId),
    ).toEqual([alice.inboxId, carol.inboxId])

    // Dave joins, then Alice removes and re-adds Carol's installation in one commit (fork recovery, §7.2).
    const daveInvite = await invite([dave])
    const addDave = await g(alice).commit({
      add: daveInvite.keyPackages,
      extensions: withExtension(
        g(alice).extensions(),
        0xff01,
        membership({ [alice.inboxId]: 1, [carol.inboxId]: 1, [dave.inboxId]: 1 }),
      ),
    })
    await commitAndFanOut(alice, addDave, [carol])
    await daveInvite.join(addDave, 9n)
    const carolKey =
      g(alice)
        .members()
        .find((m) => m.inboxId === carol.inboxId)?.installationKey ?? new Uint8Array()
    const carolAgain = await invite([carol])
    const readd = await g(alice).commit({ remove: [carolKey], add: carolAgain.keyPackages })
    const [daveSees, oldCarolSees] = await commitAndFanOut(alice, readd, [dave, carol])
    expect(daveSees?.kind === 'commit' && daveSees.added.map((m) => m.inboxId)).toEqual([carol.inboxId])
    expect(oldCarolSees?.kind === 'commit').toBe(true)
    await carolAgain.join(readd, 10n)
    await sameEpochSecrets([alice, carol, dave])
    await send(carol, 'back again', [alice, dave])

    // Leave: Dave sends a LeaveRequest; Alice removes him (libxmtp has no MLS self-remove, §7.3).
    const leave = await g(dave).sendMessage(leaveRequestContent(), 'leave-1')
    const request = await g(alice).processMessage(leave.message)
    expect(request.kind === 'application' && contentTypeId(request.content)).toBe('leave_request')
    if (request.kind !== 'application') throw new Error('unreachable')
    const removeDave = await g(alice).commit({
      remove: [request.sender.installationKey],
      extensions: withExtension(
        g(alice).extensions(),
        0xff01,
        membership({ [alice.inboxId]: 1, [carol.inboxId]: 1 }),
      ),
    })
    await commitAndFanOut(alice, removeDave, [carol, dave])
    expect(g(dave).isActive).toBe(false)
    await send(alice, 'just us', [carol])
    await sameEpochSecrets([alice, carol])
  })

  it('decrypts application messages from up to 3 past epochs', async () => {
    const [alice, bob] = [user(5), user(6)]
    alice.group = await MlsGroup.create({ identity: alice, extensions: groupExtensions(alice.inboxId) })
    const inv = await invite([bob])
    const add = await g(alice).commit({ add: inv.keyPackages })
    g(alice).merge(add)
    await inv.join(add, 1n)
    const old = await g(bob).sendMessage(textContent('from epoch 1'), 'old')
    for (let i = 0; i < 3; i++) await commitAndFanOut(alice, await g(alice).selfUpdate(), [bob])
    const got = await g(alice).processMessage(old.message)
    expect(got.kind === 'application' && contentText(got.content)).toBe('from epoch 1')
    const older = await g(bob).sendMessage(textContent('epoch 4'), 'o4')
    for (let i = 0; i < 4; i++) await commitAndFanOut(alice, await g(alice).selfUpdate(), [bob])
    expect(await code(() => g(alice).processMessage(older.message))).toBe('Mls::WrongEpoch')
  })

  it('verifies a past-epoch message with its epoch’s leaf at the sender’s index, above a blank leaf', async () => {
    // RFC 9420 §6.3.2: the sender of a PrivateMessage is the leaf at its leaf index in the tree of the
    // message's epoch. libxmtp 1.9.1's OpenMLS (rev beb0884) keeps past epochs' members as a list without
    // blank leaves and reads it by position, so above a blank it verifies with the next member's key and
    // drops the message (fixed upstream in OpenMLS #1944; tools/interop mixedPastEpoch shows it live).
    const [alice, bob, carol, dave, erin] = [user(7), user(8), user(9), user(10), user(11)]
    alice.group = await MlsGroup.create({ identity: alice, extensions: groupExtensions(alice.inboxId) })
    const inv = await invite([bob, carol, dave, erin])
    const add = await g(alice).commit({ add: inv.keyPackages })
    g(alice).merge(add)
    await inv.join(add, 1n)
    const leafOf = (u: User) =>
      g(alice)
        .members()
        .find((m) => m.inboxId === u.inboxId)?.leafIndex
    expect([alice, bob, carol, dave, erin].map(leafOf)).toEqual([0, 1, 2, 3, 4])
    // Bob out: leaf 1 is blank; the members list without blanks is alice, carol, dave, erin.
    const bobKey = g(alice).members()[1]?.installationKey ?? new Uint8Array()
    await commitAndFanOut(alice, await g(alice).commit({ remove: [bobKey] }), [carol, dave, erin])
    expect(
      g(alice)
        .members()
        .map((m) => m.leafIndex),
    ).toEqual([0, 2, 3, 4])
    // Carol (leaf 2: position 2 of that list is dave) sends, then Erin commits before anyone reads it.
    const stale = await g(carol).sendMessage(textContent('one epoch behind'), 'stale')
    const carolKey = toHex(
      g(carol)
        .members()
        .find((m) => m.leafIndex === 2)?.installationKey ?? new Uint8Array(),
    )
    expect(carolKey).not.toBe(toHex(g(carol).members()[2]?.installationKey ?? new Uint8Array()))
    const epoch = g(carol).epoch
    // Its header tells the sender which epoch it was made in (a sender cannot decrypt its own message).
    expect(messageEpoch(stale.message)).toBe(epoch)
    const update = await g(erin).selfUpdate()
    expect(messageEpoch(update.commit)).toBe(epoch)
    expect(await code(async () => messageEpoch(update.welcome ?? new Uint8Array([0, 1, 0, 3])))).toBe(
      'Mls::MessageMalformed',
    )
    await commitAndFanOut(erin, update, [alice, carol, dave])
    for (const u of [alice, dave]) {
      expect(g(u).epoch).toBe(epoch + 1n)
      const got = await g(u).processMessage(stale.message)
      if (got.kind !== 'application') throw new Error('expected an application message')
      expect(got.epoch).toBe(epoch)
      expect(contentText(got.content)).toBe('one epoch behind')
      expect({ ...got.sender, installationKey: toHex(got.sender.installationKey) }).toEqual({
        inboxId: carol.inboxId,
        installationKey: carolKey,
        leafIndex: 2,
      })
    }
    // An add fills the leftmost blank leaf (RFC 9420 §12.1.1), which ends the window above.
    const frank = user(12)
    const frankInvite = await invite([frank])
    await commitAndFanOut(alice, await g(alice).commit({ add: frankInvite.keyPackages }), [carol, dave, erin])
    expect(leafOf(frank)).toBe(1)
  })

  it('leaves the state untouched when a commit is rejected by validation, forged or misdirected', async () => {
    const [alice, bob, carol] = [user(7), user(8), user(9)]
    alice.group = await MlsGroup.create({ identity: alice, extensions: groupExtensions(alice.inboxId) })
    const inv = await invite([bob, carol])
    const add = await g(alice).commit({ add: inv.keyPackages })
    g(alice).merge(add)
    await inv.join(add, 1n)

    const rename = await g(bob).commit({
      extensions: withExtension(g(bob).extensions(), 0xff00, mutableMetadata('by bob', [alice.inboxId])),
    })
    g(bob).merge(rename)
    const deny: CommitValidator = (commit) => {
      if (commit.committer.inboxId !== alice.inboxId) {
        throw new MlsError('Mls::InvalidCommit', 'only the super admin may rename in this test')
      }
    }
    const epoch = g(alice).epoch
    expect(await code(() => g(alice).processMessage(rename.commit, deny))).toBe('Mls::InvalidCommit')
    expect(g(alice).epoch).toBe(epoch)
    // A validator throwing an untyped error still ends in a typed one.
    expect(
      await code(() =>
        g(alice).processMessage(rename.commit, () => {
          throw new Error('boom')
        }),
      ),
    ).toBe('Mls::InvalidCommit')
    // The same commit, accepted: the state was not consumed by the rejections.
    const accepted = await g(alice).processMessage(rename.commit)
    expect(accepted.kind).toBe('commit')
    expect(groupName(g(alice).extensions())).toBe('by bob')

    // Forged: every flipped byte of a commit ends in a typed error and leaves Carol's state as it was.
    const before = g(carol).epoch
    for (let i = 0; i < rename.commit.length; i += 17) {
      const forged = rename.commit.slice()
      forged[i] = (forged[i] as number) ^ 0x20
      const result = await code(() => g(carol).processMessage(forged))
      expect(result, `byte ${i}`).toMatch(/^Mls::/)
      expect(g(carol).epoch).toBe(before)
    }
    const ok = await g(carol).processMessage(rename.commit)
    expect(ok.kind).toBe('commit')
    await sameEpochSecrets([alice, bob, carol])

    // Truncations and garbage.
    expect(await code(() => g(carol).processMessage(rename.commit.subarray(0, 30)))).toMatch(/^Mls::/)
    expect(await code(() => g(carol).processMessage(new Uint8Array()))).toBe('Mls::MessageMalformed')
    // A commit for another group.
    const other = await MlsGroup.create({ identity: carol, extensions: groupExtensions(carol.inboxId) })
    const foreign = await other.selfUpdate()
    expect(await code(() => g(alice).processMessage(foreign.commit))).toBe('Mls::WrongGroup')
    // A welcome or key package on the group topic.
    expect(await code(() => g(alice).processMessage(add.welcome ?? new Uint8Array()))).toBe(
      'Mls::MessageMalformed',
    )
  })

  it('merges a stored pending commit into the reloaded group, after messages moved the old epoch', async () => {
    const [alice, bob] = [user(14), user(15)]
    alice.group = await MlsGroup.create({ identity: alice, extensions: groupExtensions(alice.inboxId) })
    const inv = await invite([bob])
    const add = await g(alice).commit({ add: inv.keyPackages })
    g(alice).merge(add)
    await inv.join(add, 1n)
    const storage = memoryStorage()
    await new GroupStore(storage).save(g(alice))
    const pending = await g(alice).selfUpdate()
    const bytes = encodePendingCommit(pending)
    // Bob sends twice in the old epoch; Alice reads the first before the commit lands, the second after.
    const early = await g(bob).sendMessage(textContent('early'), 'early')
    const late = await g(bob).sendMessage(textContent('late'), 'late')
    const store = new GroupStore(storage)
    const beforeCrash = await store.load(g(alice).groupId)
    if (beforeCrash === undefined) throw new Error('not stored')
    await beforeCrash.processMessage(early.message)
    await store.save(beforeCrash)
    // A new process: the group and the pending commit from storage only.
    const reloaded = await new GroupStore(storage).load(g(alice).groupId)
    if (reloaded === undefined) throw new Error('not stored')
    alice.group = reloaded
    const restored = decodePendingCommit(bytes)
    expect(toHex(restored.commit)).toBe(toHex(pending.commit))
    expect(restored.epoch).toBe(pending.epoch)
    expect(restored.welcome).toBeUndefined()
    await commitAndFanOut(alice, restored, [bob])
    await sameEpochSecrets([alice, bob])
    const got = await g(alice).processMessage(late.message)
    expect(got.kind === 'application' && contentText(got.content)).toBe('late')
    // The early generation was consumed before the merge and stays consumed.
    expect(await code(() => g(alice).processMessage(early.message))).toBeDefined()
    await send(bob, 'new epoch', [alice])
    // A stored commit does not merge once the group left its epoch, and garbage does not decode.
    const stale = decodePendingCommit(encodePendingCommit(await g(alice).selfUpdate()))
    await commitAndFanOut(alice, await g(alice).selfUpdate(), [bob])
    expect(() => g(alice).merge(stale)).toThrow(/staged/)
    expect(await code(async () => decodePendingCommit(bytes.subarray(0, 40)))).toBe('Mls::StateMalformed')
    expect(await code(async () => decodePendingCommit(Uint8Array.of(2, ...bytes.subarray(1))))).toBe(
      'Mls::StateMalformed',
    )
  })

  it('refuses bad operations with typed errors', async () => {
    const [alice, bob] = [user(10), user(11)]
    alice.group = await MlsGroup.create({ identity: alice, extensions: groupExtensions(alice.inboxId) })
    expect(
      await code(() => MlsGroup.create({ identity: alice, extensions: [], groupId: new Uint8Array(8) })),
    ).toBe('Mls::InvalidArgument')
    expect(await code(() => g(alice).commit({ remove: [new Uint8Array(32)] }))).toBe('Mls::NotAMember')
    const ownKey = g(alice).members()[0]?.installationKey ?? new Uint8Array()
    expect(await code(() => g(alice).commit({ remove: [ownKey] }))).toBe('Mls::InvalidArgument')
    expect(await code(() => g(alice).commit({ add: [new Uint8Array([0, 1, 0, 3, 9])] }))).toBe(
      'Mls::KeyPackageMalformed',
    )
    const inv = await invite([bob])
    const add = await g(alice).commit({ add: inv.keyPackages })
    g(alice).merge(add)
    expect(await code(() => g(alice).commit({ add: inv.keyPackages }))).toBe('Mls::AlreadyAMember')
    // A pending commit cannot be merged after the group moved on.
    const stale = await g(alice).selfUpdate()
    g(alice).merge(await g(alice).selfUpdate())
    expect(() => g(alice).merge(stale)).toThrow(BaseError)
    // A key package outside its lifetime cannot be added.
    const carol = user(12)
    const expired = await createKeyPackage({ ...carol, now: 1_000_000_000 })
    expect(await code(() => g(alice).commit({ add: [expired.keyPackage] }))).toBe('Mls::KeyPackageExpired')
    // With the caller's clock inside its lifetime, the same key package is added (ts-mls uses that clock too).
    const atThatTime = await g(alice).commit({ add: [expired.keyPackage], now: 1_000_000_000 })
    expect(atThatTime.added.map((a) => toHex(a.installationKey))).toEqual([toHex(expired.installationKey)])
    // Joining with a key package the welcome was not made for.
    const dave = user(13)
    const daveKp = await createKeyPackage({
      inboxId: dave.inboxId,
      installationPrivateKey: dave.installationPrivateKey,
    })
    expect(
      await code(() =>
        MlsGroup.join(add.welcome ?? new Uint8Array(), {
          keyPackage: daveKp.keyPackage,
          initPrivateKey: daveKp.initPrivateKey,
          encryptionPrivateKey: daveKp.encryptionPrivateKey,
          installationPrivateKey: dave.installationPrivateKey,
        }),
      ),
    ).toMatch(/^Mls::Welcome/)
  })

  it('describeCommit shows our staged commit exactly as a receiving validator sees it', async () => {
    const [alice, bob, carol, dave] = [user(21), user(22), user(23), user(24)]
    alice.group = await MlsGroup.create({ identity: alice, extensions: groupExtensions(alice.inboxId) })
    const first = await invite([bob, carol])
    const addBoth = await g(alice).commit({
      add: first.keyPackages,
      extensions: withExtension(
        g(alice).extensions(),
        0xff01,
        membership({ [alice.inboxId]: 1, [bob.inboxId]: 1, [carol.inboxId]: 1 }),
      ),
    })
    g(alice).merge(addBoth)
    await first.join(addBoth, 1n)
    const bobKey = g(alice).members()[1]?.installationKey ?? new Uint8Array()
    // One commit with every kind XMTP uses: Remove, Add and the membership GCE.
    const daveInvite = await invite([dave])
    const mixed = await g(alice).commit({
      remove: [bobKey],
      add: daveInvite.keyPackages,
      extensions: withExtension(
        g(alice).extensions(),
        0xff01,
        membership({ [alice.inboxId]: 1, [carol.inboxId]: 1, [dave.inboxId]: 1 }),
      ),
    })
    const described = g(alice).describeCommit(mixed)
    let seen: unknown
    await g(carol).processMessage(mixed.commit, (incoming) => {
      seen = incoming
    })
    expect(described).toEqual(seen)
    expect(described.proposals.map((p) => p.kind)).toEqual(['remove', 'add', 'groupContextExtensions'])
    expect(described.committer.inboxId).toBe(alice.inboxId)
    // Only commits this group staged are described.
    const other = await MlsGroup.create({ identity: carol, extensions: groupExtensions(carol.inboxId) })
    expect(await code(async () => g(alice).describeCommit(await other.selfUpdate()))).toBe(
      'Mls::InvalidArgument',
    )
  })
})
