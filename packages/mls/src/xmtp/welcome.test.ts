import { describe, expect, it } from 'vitest'
import { ConversationType, ExtensionType } from './constants.ts'
import {
  buildGroupContextExtensions,
  buildGroupMembership,
  encodeGroupPermissions,
  replaceExtension,
} from './extensions.ts'
import { applyMutableMetadataChange, buildGroupMetadata, buildMutableMetadata } from './metadata.ts'
import { adminsOnlyPolicySet, defaultPolicySet, dmPolicySet } from './policy.ts'
import { inbox, installation, TestLedger } from './testLedger.ts'
import type { MemberLeaf, RawExtension } from './types.ts'
import { type ValidateWelcomeParams, validateWelcome } from './welcome.ts'

const A = inbox('a')
const B = inbox('b')
const C = inbox('c')
const a1 = installation(0xa1)
const b1 = installation(0xb1)
const b2 = installation(0xb2)
const c1 = installation(0xc1)
const leaf = (inboxId: string, installationKey: Uint8Array): MemberLeaf => ({ inboxId, installationKey })

function ledger(): TestLedger {
  return new TestLedger().update(A, 1n, [a1]).update(B, 2n, [b1, b2]).update(C, 1n, [c1])
}

function groupExtensions(members: [string, bigint][], failed: Uint8Array[] = []): RawExtension[] {
  return buildGroupContextExtensions({
    metadata: buildGroupMetadata({ conversationType: ConversationType.Group, creatorInboxId: A }),
    mutableMetadata: buildMutableMetadata({ conversationType: ConversationType.Group, creatorInboxId: A }),
    membership: buildGroupMembership(members, failed),
    policies: defaultPolicySet(),
  })
}

function params(
  extensions: RawExtension[],
  members: MemberLeaf[],
  options: { identity?: TestLedger; own?: string; sender?: string; listing?: boolean } = {},
): ValidateWelcomeParams {
  const identity = options.identity ?? ledger()
  return {
    extensions,
    members,
    identity: options.listing === false ? { isInstallationOf: identity.isInstallationOf } : identity,
    ownInboxId: options.own ?? B,
    senderInboxId: options.sender ?? A,
  }
}

async function codeOf(p: ValidateWelcomeParams): Promise<string | undefined> {
  try {
    await validateWelcome(p)
  } catch (error) {
    return (error as { code?: string }).code ?? `untyped: ${String(error)}`
  }
  return undefined
}

const everyone = [leaf(A, a1), leaf(B, b1), leaf(B, b2)]

describe('joiner membership check (mls-groups.md §5.4)', () => {
  it('accepts a tree that matches the membership and the identity state', async () => {
    const result = await validateWelcome(
      params(
        groupExtensions([
          [A, 1n],
          [B, 2n],
        ]),
        everyone,
      ),
    )
    expect(result.metadata.creatorInboxId).toBe(A)
    expect(result.membership.members.get(B)).toBe(2n)
    expect(result.policies).toEqual(defaultPolicySet())
  })

  it('refuses a leaf whose inbox is not a member, or whose installation is not the inbox’s', async () => {
    const extensions = groupExtensions([
      [A, 1n],
      [B, 2n],
    ])
    expect(await codeOf(params(extensions, [...everyone, leaf(C, c1)]))).toBe('Mls::InvalidGroupMembership')
    expect(await codeOf(params(extensions, [leaf(A, a1), leaf(B, c1)]))).toBe('Mls::InvalidGroupMembership')
  })

  it('refuses the creation placeholder 0 and sequence ids that are not identity updates', async () => {
    expect(
      await codeOf(
        params(
          groupExtensions([
            [A, 0n],
            [B, 2n],
          ]),
          everyone,
        ),
      ),
    ).toBe('Mls::InvalidGroupMembership')
    expect(
      await codeOf(
        params(
          groupExtensions([
            [A, 1n],
            [B, 3n],
          ]),
          everyone,
        ),
      ),
    ).toBe('Mls::InvalidGroupMembership')
  })

  it('every expected installation is in the tree or failed, when the port can list them', async () => {
    const partial = [leaf(A, a1), leaf(B, b1)]
    expect(
      await codeOf(
        params(
          groupExtensions([
            [A, 1n],
            [B, 2n],
          ]),
          partial,
        ),
      ),
    ).toBe('Mls::InvalidGroupMembership')
    expect(
      await codeOf(
        params(
          groupExtensions(
            [
              [A, 1n],
              [B, 2n],
            ],
            [b2],
          ),
          partial,
        ),
      ),
    ).toBeUndefined()
    expect(
      await codeOf(
        params(
          groupExtensions([
            [A, 1n],
            [B, 2n],
          ]),
          partial,
          { listing: false },
        ),
      ),
    ).toBeUndefined()
  })

  it('requires the membership and metadata extensions; tolerates undecodable mutable metadata', async () => {
    const extensions = groupExtensions([
      [A, 1n],
      [B, 2n],
    ])
    for (const type of [ExtensionType.GroupMembership, ExtensionType.ImmutableMetadata]) {
      expect(
        await codeOf(
          params(
            extensions.filter((e) => e.extensionType !== type),
            everyone,
          ),
        ),
      ).toBe('Mls::MissingExtension')
    }
    const broken = replaceExtension(extensions, {
      extensionType: ExtensionType.MutableMetadata,
      extensionData: Uint8Array.of(0xff),
    })
    const result = await validateWelcome(params(broken, everyone))
    expect(result.mutableMetadata).toBeUndefined()
  })

  it('identity port failures are retryable typed errors', async () => {
    const identity = ledger()
    identity.failWith = new Error('offline')
    expect(
      await codeOf(
        params(
          groupExtensions([
            [A, 1n],
            [B, 2n],
          ]),
          everyone,
          { identity },
        ),
      ),
    ).toBe('Mls::IdentityLookupFailed')
  })
})

describe('DM checks (validate_dm_group, mls-groups.md §9)', () => {
  function dmExtensions(
    options: { peer?: string; admins?: boolean; policies?: ReturnType<typeof dmPolicySet> } = {},
  ) {
    let mutable = buildMutableMetadata({ conversationType: ConversationType.Dm, creatorInboxId: A })
    if (options.admins === true)
      mutable = applyMutableMetadataChange(mutable, { type: 'addAdmin', inboxId: A })
    return buildGroupContextExtensions({
      metadata: buildGroupMetadata({
        conversationType: ConversationType.Dm,
        creatorInboxId: A,
        dmPeerInboxId: options.peer ?? B,
      }),
      mutableMetadata: mutable,
      membership: buildGroupMembership([
        [A, 1n],
        [B, 2n],
      ]),
      policies: options.policies ?? dmPolicySet(),
    })
  }

  it('accepts the DM between the sender and us', async () => {
    expect(await codeOf(params(dmExtensions(), everyone))).toBeUndefined()
  })

  it('refuses a DM between other inboxes, one with admins, or with group permissions', async () => {
    expect(await codeOf(params(dmExtensions({ peer: C }), everyone))).toBe('Mls::DmConstraintViolated')
    expect(await codeOf(params(dmExtensions(), everyone, { sender: C }))).toBe('Mls::DmConstraintViolated')
    expect(await codeOf(params(dmExtensions({ admins: true }), everyone))).toBe('Mls::DmConstraintViolated')
    expect(await codeOf(params(dmExtensions({ policies: adminsOnlyPolicySet() }), everyone))).toBe(
      'Mls::DmConstraintViolated',
    )
  })

  it('a welcome from another installation of ours needs only to include us', async () => {
    expect(await codeOf(params(dmExtensions(), everyone, { own: A, sender: A }))).toBeUndefined()
    expect(await codeOf(params(dmExtensions({ peer: B }), everyone, { own: C, sender: C }))).toBe(
      'Mls::DmConstraintViolated',
    )
  })

  it('follows libxmtp in accepting a DM whose permissions differ in only some slots', async () => {
    const mixed = { ...dmPolicySet(), addMemberPolicy: defaultPolicySet().addMemberPolicy }
    const extensions = replaceExtension(dmExtensions(), {
      extensionType: ExtensionType.GroupPermissions,
      extensionData: encodeGroupPermissions(mixed),
    })
    expect(await codeOf(params(extensions, everyone))).toBeUndefined()
  })
})
