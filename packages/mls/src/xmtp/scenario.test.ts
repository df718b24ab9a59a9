/**
 * The XMTP rules wired into real groups (the package's MlsGroup on ts-mls): a group created with our
 * extensions, a member added with the membership raised in the same commit, the joiner's welcome checks, and
 * commits accepted or rejected by the validator before anything is merged.
 */
import { describe, expect, it } from 'vitest'
import { type MlsGroup as Group, MlsGroup } from '../group.ts'
import { createKeyPackage } from '../key-package.ts'
import { ConversationType, ExtensionType, MetadataField } from './constants.ts'
import {
  buildGroupContextExtensions,
  buildGroupMembership,
  decodeMutableMetadata,
  encodeGroupMembership,
  encodeMutableMetadata,
  replaceExtension,
} from './extensions.ts'
import {
  applyMutableMetadataChange,
  buildGroupMetadata,
  buildMutableMetadata,
  type MutableMetadataChange,
} from './metadata.ts'
import { defaultPolicySet } from './policy.ts'
import { inbox, TestLedger } from './testLedger.ts'
import type { RawExtension } from './types.ts'
import { createXmtpCommitValidator } from './validator.ts'
import { validateWelcome } from './welcome.ts'

const A = inbox('a')
const B = inbox('b')
const C = inbox('c')
const seed = (n: number) => new Uint8Array(32).fill(n)
// Key package lifetimes are checked against the clock inside ts-mls, so key packages are made now.
const NOW = Math.floor(Date.now() / 1000)

async function keyPackage(inboxId: string, n: number) {
  return createKeyPackage({ inboxId, installationPrivateKey: seed(n), now: NOW })
}

function membershipExt(extensions: readonly RawExtension[], entries: [string, bigint][]): RawExtension[] {
  return replaceExtension(extensions, {
    extensionType: ExtensionType.GroupMembership,
    extensionData: encodeGroupMembership(buildGroupMembership(entries)),
  })
}

function mutableExt(group: Group, change: MutableMetadataChange): RawExtension[] {
  const current = decodeMutableMetadata(group.extension(ExtensionType.MutableMetadata) ?? new Uint8Array())
  return replaceExtension(group.extensions(), {
    extensionType: ExtensionType.MutableMetadata,
    extensionData: encodeMutableMetadata(applyMutableMetadataChange(current, change)),
  })
}

async function setup() {
  const alice = await keyPackage(A, 0x11)
  const bob = await keyPackage(B, 0x22)
  const carol = await keyPackage(C, 0x33)
  const ledger = new TestLedger()
    .update(A, 1n, [alice.installationKey])
    .update(B, 1n, [bob.installationKey])
    .update(C, 1n, [carol.installationKey])
  const validator = createXmtpCommitValidator({ identity: ledger })
  const aliceGroup = await MlsGroup.create({
    identity: { inboxId: A, installationPrivateKey: seed(0x11) },
    extensions: buildGroupContextExtensions({
      metadata: buildGroupMetadata({ conversationType: ConversationType.Group, creatorInboxId: A }),
      mutableMetadata: buildMutableMetadata({ conversationType: ConversationType.Group, creatorInboxId: A }),
      membership: buildGroupMembership([[A, 0n]]),
      policies: defaultPolicySet(),
    }),
  })
  // §7.1: add Bob and raise every member to its latest sequence id in the same commit.
  const add = await aliceGroup.commit({
    add: [bob.keyPackage],
    extensions: membershipExt(aliceGroup.extensions(), [
      [A, 1n],
      [B, 1n],
    ]),
    now: NOW,
  })
  aliceGroup.merge(add)
  if (add.welcome === undefined) throw new Error('a welcome expected')
  const bobGroup = await MlsGroup.join(add.welcome, {
    keyPackage: bob.keyPackage,
    initPrivateKey: bob.initPrivateKey,
    encryptionPrivateKey: bob.encryptionPrivateKey,
    installationPrivateKey: seed(0x22),
  })
  return { alice, bob, carol, ledger, validator, aliceGroup, bobGroup }
}

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    return (error as { code?: string }).code ?? `untyped: ${String(error)}`
  }
  return undefined
}

describe('XMTP rules in real groups', () => {
  it('the joiner validates the welcome; members accept allowed commits and reject forbidden ones untouched', async () => {
    const { bob, carol, ledger, validator, aliceGroup, bobGroup } = await setup()

    const welcome = await validateWelcome({
      extensions: bobGroup.extensions(),
      members: bobGroup.members(),
      identity: ledger,
      ownInboxId: B,
      senderInboxId: A,
    })
    expect([...welcome.membership.members]).toEqual([
      [A, 1n],
      [B, 1n],
    ])

    // Alice (super admin) renames: Bob validates and merges.
    const rename = await aliceGroup.commit({
      extensions: mutableExt(aliceGroup, {
        type: 'setAttribute',
        field: MetadataField.GroupName,
        value: 'team',
      }),
    })
    const received = await bobGroup.processMessage(rename.commit, validator)
    expect(received.kind).toBe('commit')
    aliceGroup.merge(rename)
    expect(
      decodeMutableMetadata(bobGroup.extension(0xff00) ?? new Uint8Array()).attributes.get('group_name'),
    ).toBe('team')

    // Bob (no admin) sets disappearing messages, which the default policy keeps for admins: Alice refuses.
    const epoch = aliceGroup.epoch
    const disappearing = await bobGroup.commit({
      extensions: mutableExt(bobGroup, {
        type: 'setAttribute',
        field: MetadataField.MessageDisappearInNs,
        value: '60000000000',
      }),
    })
    expect(await rejection(aliceGroup.processMessage(disappearing.commit, validator))).toBe(
      'Mls::PermissionDenied',
    )
    expect(aliceGroup.epoch).toBe(epoch)

    // Bob removes Alice: members may not remove (and she is a super admin).
    const removeAlice = await bobGroup.commit({
      remove: [aliceGroup.members().find((m) => m.inboxId === A)?.installationKey ?? new Uint8Array()],
      extensions: membershipExt(bobGroup.extensions(), [[B, 1n]]),
    })
    expect(await rejection(aliceGroup.processMessage(removeAlice.commit, validator))).toBe(
      'Mls::PermissionDenied',
    )

    // Bob adds Carol at sequence id 0: refused; at her real sequence id: accepted (anyone may add).
    const atZero = await bobGroup.commit({
      add: [carol.keyPackage],
      extensions: membershipExt(bobGroup.extensions(), [
        [A, 1n],
        [B, 1n],
        [C, 0n],
      ]),
      now: NOW,
    })
    expect(await rejection(aliceGroup.processMessage(atZero.commit, validator))).toBe(
      'Mls::InvalidSequenceId',
    )
    // An add the membership extension does not announce.
    const unannounced = await bobGroup.commit({ add: [carol.keyPackage], now: NOW })
    expect(await rejection(aliceGroup.processMessage(unannounced.commit, validator))).toBe(
      'Mls::UnexpectedInstallationAdded',
    )
    expect(aliceGroup.epoch).toBe(epoch)
    const addCarol = await bobGroup.commit({
      add: [carol.keyPackage],
      extensions: membershipExt(bobGroup.extensions(), [
        [A, 1n],
        [B, 1n],
        [C, 1n],
      ]),
      now: NOW,
    })
    const accepted = await aliceGroup.processMessage(addCarol.commit, validator)
    expect(accepted.kind === 'commit' && accepted.added.map((m) => m.inboxId)).toEqual([C])
    expect(aliceGroup.epoch).toBe(epoch + 1n)
    expect(bob.installationKey).toHaveLength(32)
  })
})
