/**
 * The OpenMLS check (issue #5): our MLS groups (`@xmtp-lite/mls`, ts-mls 1.6.4 patched) against OpenMLS
 * (`@wireapp/core-crypto` 9.3.4, Wire's OpenMLS fork in WASM) on suite 0x0003 with encrypted handshakes:
 * each side joins the other's welcome, messages both ways, adds and removes by both sides, and our
 * GroupContextExtensions commit (always with an UpdatePath) processed by OpenMLS. After every step both
 * sides are compared: epoch, member inbox ids and the RFC 9420 exporter secret (label "exporter", empty
 * context), which can only match when both derived the same key schedule from the same GroupContext.
 *
 * Where core-crypto cannot follow XMTP, the refusal itself is tested (last_resort, its required x509
 * capability, XMTP's required capabilities, plaintext handshakes); see tools/openmls-check/README.md.
 */
import { bytesToUtf8, toHex, utf8ToBytes } from '@xmtp-lite/common'
import {
  createKeyPackage,
  encodeRequiredCapabilities,
  type GroupExtension,
  type InstallationIdentity,
  MlsGroup,
  XMTP_REQUIRED_CAPABILITIES,
} from '@xmtp-lite/mls'
import { xmtp } from '@xmtp-lite/proto'
import { afterAll, describe, expect, it } from 'vitest'
import { OpenMlsPeer } from './coreCrypto.ts'

const peers: OpenMlsPeer[] = []
afterAll(async () => {
  for (const peer of peers) await peer.close()
})

async function openMls(
  inboxId: string,
  options: { plaintextHandshakes?: boolean } = {},
): Promise<OpenMlsPeer> {
  const peer = await OpenMlsPeer.create(inboxId, options)
  peers.push(peer)
  return peer
}

let seed = 0
function identity(inboxId: string): InstallationIdentity {
  seed += 1
  return { inboxId, installationPrivateKey: new Uint8Array(32).fill(seed) }
}

/** Key package of ours for an OpenMLS-made group: no last_resort, x509 listed (see README). */
async function keyPackageForOpenMls(id: InstallationIdentity) {
  return createKeyPackage({ ...id, lastResort: false, advertiseX509: true })
}

async function joinAs(
  id: InstallationIdentity,
  kp: Awaited<ReturnType<typeof createKeyPackage>>,
  welcome: Uint8Array,
) {
  return MlsGroup.join(welcome, {
    keyPackage: kp.keyPackage,
    initPrivateKey: kp.initPrivateKey,
    encryptionPrivateKey: kp.encryptionPrivateKey,
    installationPrivateKey: id.installationPrivateKey,
  })
}

/** What OpenMLS sends as application data: XMTP's PlaintextEnvelope, as our side sends it. */
function envelope(text: string): Uint8Array {
  return xmtp.mls.message_contents.PlaintextEnvelope.encode({
    v1: { content: utf8ToBytes(text), idempotencyKey: `key-${text}` },
  }).finish()
}

function envelopeText(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) throw new Error('no application data')
  const v1 = xmtp.mls.message_contents.PlaintextEnvelope.decode(bytes).v1
  if (v1 === null || v1 === undefined) throw new Error('not a V1 envelope')
  return bytesToUtf8(v1.content)
}

const exporterLabel = 'exporter'

/** Every member, ours and OpenMLS, is in the same epoch with the same members and the same secrets. */
async function expectConverged(
  groupId: Uint8Array,
  ours: readonly MlsGroup[],
  theirs: readonly OpenMlsPeer[],
) {
  const views: { epoch: bigint; members: string[]; exporter: string }[] = []
  for (const group of ours) {
    views.push({
      epoch: group.epoch,
      members: group
        .members()
        .map((m) => m.inboxId)
        .sort(),
      exporter: toHex(await group.exportSecret(exporterLabel, new Uint8Array(0), 32)),
    })
  }
  for (const peer of theirs) {
    views.push({
      epoch: await peer.epoch(groupId),
      members: await peer.memberInboxIds(groupId),
      exporter: toHex(await peer.exporterSecret(groupId)),
    })
  }
  for (const view of views) expect(view).toEqual(views[0])
  return views[0]
}

const inbox = (c: string) => c.repeat(64)

describe('OpenMLS creates the group, we join its welcome', () => {
  it('joins, messages both ways, self-updates both ways, OpenMLS adds a second installation of ours and removes the first', async () => {
    const groupId = globalThis.crypto.getRandomValues(new Uint8Array(16))
    const alice = await openMls(inbox('a'))
    await alice.createGroup(groupId)

    const bob1 = identity(inbox('b'))
    const bob1Kp = await keyPackageForOpenMls(bob1)
    const added = await alice.add(groupId, [bob1Kp.keyPackage])
    const ours1 = await joinAs(bob1, bob1Kp, added.welcome)
    expect(await expectConverged(groupId, [ours1], [alice])).toMatchObject({
      epoch: 1n,
      members: [inbox('a'), inbox('b')],
    })

    // OpenMLS → us.
    const fromAlice = await ours1.processMessage(await alice.send(groupId, envelope('hello from OpenMLS')))
    expect(fromAlice).toMatchObject({ kind: 'application', sender: { inboxId: inbox('a') } })
    expect(fromAlice.kind === 'application' && bytesToUtf8(fromAlice.content)).toBe('hello from OpenMLS')
    // Us → OpenMLS.
    const sent = await ours1.sendMessage(utf8ToBytes('hello from ts'), 'k1')
    const atAlice = await alice.receive(groupId, sent.message)
    expect(atAlice.senderInboxId).toBe(inbox('b'))
    expect(envelopeText(atAlice.message)).toBe('hello from ts')

    // Key updates both ways (commits with a path, PrivateMessage-framed).
    const aliceUpdate = await alice.selfUpdate(groupId)
    expect(await ours1.processMessage(aliceUpdate)).toMatchObject({ kind: 'commit', epoch: 2n })
    const ourUpdate = await ours1.selfUpdate()
    expect(await alice.receive(groupId, ourUpdate.commit)).toMatchObject({
      hasEpochChanged: true,
      isActive: true,
    })
    ours1.merge(ourUpdate)
    await expectConverged(groupId, [ours1], [alice])

    // A third member: OpenMLS adds another installation of ours; the first one processes the commit.
    const bob2 = identity(inbox('c'))
    const bob2Kp = await keyPackageForOpenMls(bob2)
    const added2 = await alice.add(groupId, [bob2Kp.keyPackage])
    const seen = await ours1.processMessage(added2.commit)
    expect(seen).toMatchObject({ kind: 'commit', committer: { inboxId: inbox('a') } })
    expect(seen.kind === 'commit' && seen.added.map((m) => m.inboxId)).toEqual([inbox('c')])
    const ours2 = await joinAs(bob2, bob2Kp, added2.welcome)
    expect(await expectConverged(groupId, [ours1, ours2], [alice])).toMatchObject({
      epoch: 4n,
      members: [inbox('a'), inbox('b'), inbox('c')],
    })
    const fromOurs2 = await ours2.sendMessage(utf8ToBytes('three of us'), 'k2')
    expect(envelopeText((await alice.receive(groupId, fromOurs2.message)).message)).toBe('three of us')
    const atOurs1 = await ours1.processMessage(fromOurs2.message)
    expect(atOurs1.kind === 'application' && bytesToUtf8(atOurs1.content)).toBe('three of us')

    // OpenMLS removes our first installation: the other processes it, the removed one sees its removal.
    const removal = await alice.remove(groupId, [inbox('b')])
    const removed = await ours2.processMessage(removal)
    expect(removed.kind === 'commit' && removed.removed.map((m) => m.inboxId)).toEqual([inbox('b')])
    expect(await ours1.processMessage(removal)).toMatchObject({
      kind: 'commit',
      selfRemoved: true,
      epoch: 5n,
    })
    expect(ours1.isActive).toBe(false)
    expect(await expectConverged(groupId, [ours2], [alice])).toMatchObject({
      epoch: 5n,
      members: [inbox('a'), inbox('c')],
    })
  })
})

describe('we create the group, OpenMLS joins our welcome', () => {
  it('joins, messages both ways, we add a second OpenMLS client and remove the first, OpenMLS removes us', async () => {
    const us = identity(inbox('d'))
    const group = await MlsGroup.create({ identity: us, extensions: [] })
    const groupId = group.groupId
    const erin = await openMls(inbox('e'))

    const add = await group.commit({ add: [await erin.keyPackage()] })
    group.merge(add)
    await erin.join(add.welcome as Uint8Array)
    expect(await expectConverged(groupId, [group], [erin])).toMatchObject({
      epoch: 1n,
      members: [inbox('d'), inbox('e')],
    })

    const sent = await group.sendMessage(utf8ToBytes('welcome, OpenMLS'), 'k1')
    const atErin = await erin.receive(groupId, sent.message)
    expect([atErin.senderInboxId, envelopeText(atErin.message)]).toEqual([inbox('d'), 'welcome, OpenMLS'])
    const reply = await group.processMessage(await erin.send(groupId, envelope('thanks, ts')))
    expect(reply).toMatchObject({ kind: 'application', sender: { inboxId: inbox('e') } })
    expect(reply.kind === 'application' && bytesToUtf8(reply.content)).toBe('thanks, ts')

    // A third member in one commit of ours: the OpenMLS member processes it, the new one joins our welcome.
    const frank = await openMls(inbox('f'))
    const add2 = await group.commit({ add: [await frank.keyPackage()] })
    expect(await erin.receive(groupId, add2.commit)).toMatchObject({ hasEpochChanged: true, isActive: true })
    group.merge(add2)
    await frank.join(add2.welcome as Uint8Array)
    expect(await expectConverged(groupId, [group], [erin, frank])).toMatchObject({
      epoch: 2n,
      members: [inbox('d'), inbox('e'), inbox('f')],
    })
    const fromFrank = await frank.send(groupId, envelope('hi both'))
    expect(envelopeText((await erin.receive(groupId, fromFrank)).message)).toBe('hi both')
    const atUs = await group.processMessage(fromFrank)
    expect(atUs.kind === 'application' && bytesToUtf8(atUs.content)).toBe('hi both')

    // We remove the first OpenMLS client: the other processes it, the removed one sees it is out.
    const erinKey = group.members().find((m) => m.inboxId === inbox('e'))?.installationKey as Uint8Array
    const removal = await group.commit({ remove: [erinKey] })
    expect(await frank.receive(groupId, removal.commit)).toMatchObject({
      hasEpochChanged: true,
      isActive: true,
    })
    expect(await erin.receive(groupId, removal.commit)).toMatchObject({ isActive: false })
    group.merge(removal)
    expect(await expectConverged(groupId, [group], [frank])).toMatchObject({
      epoch: 3n,
      members: [inbox('d'), inbox('f')],
    })

    // OpenMLS removes us.
    const out = await frank.remove(groupId, [inbox('d')])
    expect(await group.processMessage(out)).toMatchObject({ kind: 'commit', selfRemoved: true, epoch: 4n })
    expect(group.isActive).toBe(false)
    expect(await frank.memberInboxIds(groupId)).toEqual([inbox('f')])
  })
})

/** A required_capabilities extension (type 3, a default type every member supports implicitly). */
function requiredCapabilities(credentialTypes: number[]): GroupExtension {
  return {
    extensionType: 0x0003,
    extensionData: encodeRequiredCapabilities({ extensionTypes: [], proposalTypes: [], credentialTypes }),
  }
}

describe('our GroupContextExtensions commit with an UpdatePath', () => {
  it('is processed by OpenMLS in a group we created and in one OpenMLS created', async () => {
    // In our group: add required_capabilities (credentials [basic]) to a group that had no extension.
    const us = identity(inbox('1'))
    const group = await MlsGroup.create({ identity: us, extensions: [] })
    const groupId = group.groupId
    const peer = await openMls(inbox('2'))
    const add = await group.commit({ add: [await peer.keyPackage()] })
    group.merge(add)
    await peer.join(add.welcome as Uint8Array)
    const before = await expectConverged(groupId, [group], [peer])

    const gce = await group.commit({ extensions: [requiredCapabilities([0x0001])] })
    // OpenMLS refuses a GCE commit without a path ("Unable to determine commit path.", RFC 9420 §12.4):
    // accepting it shows the path is there, and the same exporter secret shows both applied the same context.
    expect(await peer.receive(groupId, gce.commit)).toMatchObject({ hasEpochChanged: true, isActive: true })
    group.merge(gce)
    const after = await expectConverged(groupId, [group], [peer])
    expect(after?.epoch).toBe(2n)
    expect(after?.exporter).not.toBe(before?.exporter)
    expect(group.extensions()).toEqual([requiredCapabilities([0x0001])])
    // The epoch keeps working both ways.
    const text = await group.processMessage(await peer.send(groupId, envelope('after the GCE')))
    expect(text.kind === 'application' && bytesToUtf8(text.content)).toBe('after the GCE')

    // In an OpenMLS group (required credentials [basic, x509]): we replace it with [basic].
    const ownerId = globalThis.crypto.getRandomValues(new Uint8Array(16))
    const owner = await openMls(inbox('3'))
    await owner.createGroup(ownerId)
    const member = identity(inbox('4'))
    const memberKp = await keyPackageForOpenMls(member)
    const ours = await joinAs(member, memberKp, (await owner.add(ownerId, [memberKp.keyPackage])).welcome)
    expect(ours.extensions()).toEqual([requiredCapabilities([0x0001, 0x0002])])
    const change = await ours.commit({ extensions: [requiredCapabilities([0x0001])] })
    expect(await owner.receive(ownerId, change.commit)).toMatchObject({ hasEpochChanged: true })
    ours.merge(change)
    expect(await expectConverged(ownerId, [ours], [owner])).toMatchObject({ epoch: 2n })
    // OpenMLS commits on top of our GCE and we follow.
    expect(await ours.processMessage(await owner.selfUpdate(ownerId))).toMatchObject({
      kind: 'commit',
      epoch: 3n,
    })
    await expectConverged(ownerId, [ours], [owner])
  })

  it("cannot carry XMTP's required capabilities: OpenMLS leaves list no extension types, so we refuse to build it", async () => {
    const group = await MlsGroup.create({ identity: identity(inbox('5')), extensions: [] })
    const peer = await openMls(inbox('6'))
    const add = await group.commit({ add: [await peer.keyPackage()] })
    group.merge(add)
    await peer.join(add.welcome as Uint8Array)
    // RFC 9420 §12.1.7 / §11.1: a GCE requiring capabilities a member lacks is invalid. core-crypto's leaf
    // capabilities list no extension and no proposal type, XMTP requires 0xff00-0xff02, 0xf000, 10, 1, 7.
    const xmtpRequired = {
      extensionType: 0x0003,
      extensionData: encodeRequiredCapabilities(XMTP_REQUIRED_CAPABILITIES),
    }
    await expect(group.commit({ extensions: [xmtpRequired] })).rejects.toMatchObject({
      code: 'Mls::InvalidArgument',
      details: expect.stringMatching(/Not all members support required capabilities/),
    })
  })
})

describe('what OpenMLS (core-crypto) refuses', () => {
  it('refuses a key package carrying last_resort, and one without x509 in its capabilities', async () => {
    const groupId = globalThis.crypto.getRandomValues(new Uint8Array(16))
    const peer = await openMls(inbox('7'))
    await peer.createGroup(groupId)
    const id = identity(inbox('8'))
    // XMTP's default key package: Wire's fork gives 0x000A to PerDomainTrustAnchor and cannot parse the
    // empty last_resort data as its list of trust anchors.
    const xmtpDefault = await createKeyPackage(id)
    await expect(peer.add(groupId, [xmtpDefault.keyPackage])).rejects.toThrow(/InvalidVectorLength/)
    // Without last_resort but with Basic as the only credential type: core-crypto's groups require
    // [basic, x509] (RFC 9420 required_capabilities), so OpenMLS refuses the leaf.
    const basicOnly = await createKeyPackage({ ...id, lastResort: false })
    await expect(peer.add(groupId, [basicOnly.keyPackage])).rejects.toThrow(/Credentials are not acceptable/)
    // Both options together are accepted (the flows above).
    await peer.add(groupId, [(await keyPackageForOpenMls(id)).keyPackage])
    expect(await peer.memberInboxIds(groupId)).toEqual([inbox('7'), inbox('8')])
  })

  it("with core-crypto's default plaintext handshakes, each side refuses the other's commit framing", async () => {
    const group = await MlsGroup.create({ identity: identity(inbox('9')), extensions: [] })
    const groupId = group.groupId
    const plain = await openMls(inbox('0'), { plaintextHandshakes: true })
    const add = await group.commit({ add: [await plain.keyPackage()] })
    group.merge(add)
    await plain.join(add.welcome as Uint8Array)
    // Application messages are PrivateMessages either way.
    const hello = await group.sendMessage(utf8ToBytes('still readable'), 'k1')
    expect(envelopeText((await plain.receive(groupId, hello.message)).message)).toBe('still readable')
    // Our commit is a PrivateMessage: OpenMLS's PURE_PLAINTEXT policy refuses it.
    const update = await group.selfUpdate()
    await expect(plain.receive(groupId, update.commit)).rejects.toThrow(
      /wire format is incompatible with the group's wire format policy/,
    )
    // Its commit is a PublicMessage (wire format 0x0001): XMTP accepts PrivateMessage only on a group
    // topic, and so do we.
    const publicCommit = await plain.selfUpdate(groupId)
    expect(toHex(publicCommit.subarray(0, 4))).toBe('00010001')
    await expect(group.processMessage(publicCommit)).rejects.toMatchObject({
      code: 'Mls::MessageMalformed',
    })
  })
})
