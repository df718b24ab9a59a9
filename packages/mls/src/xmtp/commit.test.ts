import { toHex } from '@xmtp-lite/common'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  type CommitProposal,
  type CommitSender,
  type ValidateCommitParams,
  validateCommit,
} from './commit.ts'
import { ConversationType, ExtensionType, MetadataField, ProposalType } from './constants.ts'
import {
  buildGroupContextExtensions,
  buildGroupMembership,
  encodeGroupMembership,
  encodeGroupPermissions,
  encodeImmutableMetadataExtension,
  encodeMutableMetadata,
  replaceExtension,
} from './extensions.ts'
import {
  applyMutableMetadataChange,
  buildGroupMetadata,
  buildMutableMetadata,
  type MutableMetadataChange,
} from './metadata.ts'
import { adminsOnlyPolicySet, defaultPolicySet, dmPolicySet, updatePolicySet } from './policy.ts'
import { inbox, installation, TestLedger } from './testLedger.ts'
import type { GroupMembership, GroupMutableMetadata, MemberLeaf, PolicySet, RawExtension } from './types.ts'

const A = inbox('a') // creator, super admin
const B = inbox('b')
const C = inbox('c')
const D = inbox('d')
const a1 = installation(0xa1)
const b1 = installation(0xb1)
const b2 = installation(0xb2)
const c1 = installation(0xc1)
const d1 = installation(0xd1)
const leaf = (inboxId: string, installationKey: Uint8Array): MemberLeaf => ({ inboxId, installationKey })
const member = (l: MemberLeaf): CommitSender => ({ type: 'member', ...l })

let ledger: TestLedger

beforeEach(() => {
  ledger = new TestLedger()
    .update(A, 1n, [a1])
    .update(B, 1n, [b1])
    .update(B, 2n, [b1, b2])
    .update(B, 3n, [b1]) // b2 revoked at 3
    .update(C, 1n, [c1])
    .update(D, 4n, [d1])
})

interface GroupState {
  extensions: RawExtension[]
  members: MemberLeaf[]
}

/** A group of A (super admin), B at 2 with b1 and b2, C at 1 (admin); default policies. */
function group(options: { policies?: PolicySet; mutable?: GroupMutableMetadata } = {}): GroupState {
  const mutable =
    options.mutable ??
    applyMutableMetadataChange(
      buildMutableMetadata({ conversationType: ConversationType.Group, creatorInboxId: A }),
      {
        type: 'addAdmin',
        inboxId: C,
      },
    )
  return {
    extensions: buildGroupContextExtensions({
      metadata: buildGroupMetadata({ conversationType: ConversationType.Group, creatorInboxId: A }),
      mutableMetadata: mutable,
      membership: buildGroupMembership([
        [A, 1n],
        [B, 2n],
        [C, 1n],
      ]),
      policies: options.policies ?? defaultPolicySet(),
    }),
    members: [leaf(A, a1), leaf(B, b1), leaf(B, b2), leaf(C, c1)],
  }
}

function withMembership(extensions: RawExtension[], membership: GroupMembership): RawExtension[] {
  return replaceExtension(extensions, {
    extensionType: ExtensionType.GroupMembership,
    extensionData: encodeGroupMembership(membership),
  })
}

function withMutable(extensions: RawExtension[], mutable: GroupMutableMetadata): RawExtension[] {
  return replaceExtension(extensions, {
    extensionType: ExtensionType.MutableMetadata,
    extensionData: encodeMutableMetadata(mutable),
  })
}

/** A commit by `committer` with the given proposals; the GCE (if `after` differs) is added inline. */
function commit(
  state: GroupState,
  committer: MemberLeaf,
  options: { proposals?: CommitProposal[]; after?: RawExtension[]; ownProtocolVersion?: string } = {},
): ValidateCommitParams {
  const proposals = [...(options.proposals ?? [])]
  const after = options.after ?? state.extensions
  if (options.after !== undefined) proposals.push({ type: 'groupContextExtensions', extensions: after })
  const removed = new Set(
    proposals.flatMap((p) => (p.type === 'remove' ? [toHex(p.leaf.installationKey)] : [])),
  )
  const membersAfter = [
    ...state.members.filter((m) => !removed.has(toHex(m.installationKey))),
    ...proposals.flatMap((p) => (p.type === 'add' ? [p.leaf] : [])),
  ]
  return {
    committer: member(committer),
    proposals,
    extensionsBefore: state.extensions,
    extensionsAfter: after,
    membersBefore: state.members,
    membersAfter,
    identity: ledger,
    ...(options.ownProtocolVersion === undefined ? {} : { ownProtocolVersion: options.ownProtocolVersion }),
  }
}

function metadataChange(state: GroupState, ...changes: MutableMetadataChange[]): RawExtension[] {
  // Starts from the mutable metadata of group(): creator A super admin, C admin.
  const mutable = changes.reduce(
    (m, change) => applyMutableMetadataChange(m, change),
    applyMutableMetadataChange(
      buildMutableMetadata({ conversationType: ConversationType.Group, creatorInboxId: A }),
      {
        type: 'addAdmin',
        inboxId: C,
      },
    ),
  )
  return withMutable(state.extensions, mutable)
}

async function codeOf(params: ValidateCommitParams): Promise<string | undefined> {
  try {
    await validateCommit(params)
  } catch (error) {
    return (error as { code?: string }).code ?? `untyped: ${String(error)}`
  }
  return undefined
}

const membership = (...entries: [string, bigint][]) => buildGroupMembership(entries)

describe('membership commits (mls-groups.md §7.3 steps 10-12)', () => {
  it('accepts an add of every installation of a new inbox with the membership raised in the same commit', async () => {
    const state = group()
    const after = withMembership(state.extensions, membership([A, 1n], [B, 2n], [C, 1n], [D, 4n]))
    const result = await validateCommit(
      commit(state, leaf(A, a1), { proposals: [{ type: 'add', leaf: leaf(D, d1) }], after }),
    )
    expect(result.addedInboxes).toEqual([D])
    expect(result.removedInboxes).toEqual([])
    expect(result.addedInstallations.map(toHex)).toEqual([toHex(d1)])
    expect(result.committer).toMatchObject({ inboxId: A, isSuperAdmin: true })
    expect(result.context.membership.members.get(D)).toBe(4n)
  })

  it('rejects an installation that is not in its inbox at the stated sequence id', async () => {
    const state = group()
    const after = withMembership(state.extensions, membership([A, 1n], [B, 2n], [C, 1n], [D, 4n]))
    const forged = leaf(D, installation(0x66))
    expect(
      await codeOf(commit(state, leaf(A, a1), { proposals: [{ type: 'add', leaf: forged }], after })),
    ).toBe('Mls::UnexpectedInstallationAdded')
    // ... and a sequence id that is no identity update of that inbox.
    const wrongSequence = withMembership(state.extensions, membership([A, 1n], [B, 2n], [C, 1n], [D, 3n]))
    expect(
      await codeOf(
        commit(state, leaf(A, a1), { proposals: [{ type: 'add', leaf: leaf(D, d1) }], after: wrongSequence }),
      ),
    ).toBe('Mls::UnexpectedInstallationAdded')
  })

  it('rejects an add the membership extension does not announce', async () => {
    const state = group()
    expect(
      await codeOf(commit(state, leaf(A, a1), { proposals: [{ type: 'add', leaf: leaf(D, d1) }] })),
    ).toBe('Mls::UnexpectedInstallationAdded')
  })

  it('rejects an inbox added at sequence id 0 and a sequence id that decreases', async () => {
    const state = group()
    const zero = withMembership(state.extensions, membership([A, 1n], [B, 2n], [C, 1n], [D, 0n]))
    expect(
      await codeOf(
        commit(state, leaf(A, a1), { proposals: [{ type: 'add', leaf: leaf(D, d1) }], after: zero }),
      ),
    ).toBe('Mls::InvalidSequenceId')
    const lower = withMembership(state.extensions, membership([A, 1n], [B, 1n], [C, 1n]))
    expect(await codeOf(commit(state, leaf(A, a1), { after: lower }))).toBe('Mls::SequenceIdDecreased')
  })

  it('adds the new installation of an updated inbox, but not one it already had', async () => {
    ledger.update(C, 2n, [c1, installation(0xc2)])
    const state = group()
    const after = withMembership(state.extensions, membership([A, 1n], [B, 2n], [C, 2n]))
    const ok = await validateCommit(
      commit(state, leaf(A, a1), { proposals: [{ type: 'add', leaf: leaf(C, installation(0xc2)) }], after }),
    )
    expect(ok.updatedInboxes).toEqual([C])
    // b3 was already B's at sequence 5, so raising B to 6 does not call for adding it; b4 is new at 6.
    ledger.update(B, 5n, [b1, installation(0xb3)])
    ledger.update(B, 6n, [b1, installation(0xb3), installation(0xb4)])
    const state2 = {
      extensions: withMembership(state.extensions, membership([A, 1n], [B, 5n], [C, 1n])),
      members: [leaf(A, a1), leaf(B, b1), leaf(C, c1)],
    }
    const raised = withMembership(state.extensions, membership([A, 1n], [B, 6n], [C, 1n]))
    expect(
      await codeOf(
        commit(state2, leaf(A, a1), {
          proposals: [{ type: 'add', leaf: leaf(B, installation(0xb3)) }],
          after: raised,
        }),
      ),
    ).toBe('Mls::UnexpectedInstallationAdded')
    expect(
      await codeOf(
        commit(state2, leaf(A, a1), {
          proposals: [{ type: 'add', leaf: leaf(B, installation(0xb4)) }],
          after: raised,
        }),
      ),
    ).toBeUndefined()
  })

  it('removing an inbox must remove all its installations, unless listed as failed', async () => {
    const state = group()
    const withoutB = withMembership(state.extensions, membership([A, 1n], [C, 1n]))
    const removeB1: CommitProposal = { type: 'remove', leaf: leaf(B, b1) }
    const removeB2: CommitProposal = { type: 'remove', leaf: leaf(B, b2) }
    const all = await validateCommit(
      commit(state, leaf(A, a1), { proposals: [removeB1, removeB2], after: withoutB }),
    )
    expect(all.removedInboxes).toEqual([B])
    expect(all.removedInstallations).toHaveLength(2)
    expect(await codeOf(commit(state, leaf(A, a1), { proposals: [removeB1], after: withoutB }))).toBe(
      'Mls::UnexpectedInstallationRemoved',
    )
    const failedB2 = withMembership(
      state.extensions,
      buildGroupMembership(
        [
          [A, 1n],
          [C, 1n],
        ],
        [b2],
      ),
    )
    expect(
      await codeOf(commit(state, leaf(A, a1), { proposals: [removeB1], after: failedB2 })),
    ).toBeUndefined()
  })

  it('rejects a removal the membership does not call for', async () => {
    const state = group()
    expect(
      await codeOf(commit(state, leaf(A, a1), { proposals: [{ type: 'remove', leaf: leaf(B, b2) }] })),
    ).toBe('Mls::UnexpectedInstallationRemoved')
  })

  it('a raised sequence id that revokes an installation must remove it in the same commit', async () => {
    const state = group()
    const raised = withMembership(state.extensions, membership([A, 1n], [B, 3n], [C, 1n]))
    const removeB2: CommitProposal = { type: 'remove', leaf: leaf(B, b2) }
    const ok = await validateCommit(commit(state, leaf(A, a1), { proposals: [removeB2], after: raised }))
    expect(ok.updatedInboxes).toEqual([B])
    expect(ok.removedInboxes).toEqual([])
    expect(await codeOf(commit(state, leaf(A, a1), { after: raised }))).toBe(
      'Mls::UnexpectedInstallationRemoved',
    )
  })

  it('a super admin may remove and re-add the same installation; others may not', async () => {
    const state = group()
    const readd: CommitProposal[] = [
      { type: 'remove', leaf: leaf(B, b1) },
      { type: 'add', leaf: leaf(B, b1) },
    ]
    const ok = await validateCommit(commit(state, leaf(A, a1), { proposals: readd }))
    expect(ok.readdedInstallations.map(toHex)).toEqual([toHex(b1)])
    expect(await codeOf(commit(state, leaf(C, c1), { proposals: readd }))).toBe(
      'Mls::UnexpectedInstallationRemoved',
    )
  })

  it('a Remove proposal must name a leaf of the tree, and the staged tree must match the proposals', async () => {
    const state = group()
    expect(
      await codeOf(commit(state, leaf(A, a1), { proposals: [{ type: 'remove', leaf: leaf(D, d1) }] })),
    ).toBe('Mls::InvalidCommit')
    const params = commit(state, leaf(A, a1))
    expect(await codeOf({ ...params, membersAfter: state.members.slice(1) })).toBe('Mls::InvalidCommit')
  })
})

describe('senders and credentials (steps 1, 13)', () => {
  it('the committer and every proposer must be member leaves', async () => {
    const state = group()
    expect(await codeOf(commit(state, leaf(D, d1)))).toBe('Mls::ActorNotMember')
    expect(await codeOf({ ...commit(state, leaf(A, a1)), committer: { type: 'newMember' } })).toBe(
      'Mls::ActorNotMember',
    )
    // An inbox claiming another inbox's leaf is not that member.
    expect(await codeOf(commit(state, leaf(B, a1)))).toBe('Mls::ActorNotMember')
    const external: CommitProposal = { type: 'remove', sender: { type: 'external' }, leaf: leaf(B, b1) }
    expect(await codeOf(commit(state, leaf(A, a1), { proposals: [external] }))).toBe('Mls::ActorNotMember')
  })

  it('the committer must be an installation of its inbox at its membership sequence id', async () => {
    ledger.update(C, 2n, []) // C revoked c1 at 2
    const state = group()
    const raised = withMembership(state.extensions, membership([A, 1n], [B, 2n], [C, 2n]))
    // A commits the bump and the removal of c1: fine.
    expect(
      await codeOf(
        commit(state, leaf(A, a1), { proposals: [{ type: 'remove', leaf: leaf(C, c1) }], after: raised }),
      ),
    ).toBeUndefined()
    // c1 itself committing at C's new sequence id is not associated any more.
    const selfUpdate = commit(state, leaf(C, c1), {
      proposals: [{ type: 'remove', leaf: leaf(C, c1) }],
      after: raised,
    })
    expect(await codeOf(selfUpdate)).toBe('Mls::InstallationNotAssociated')
  })

  it('the committer inbox must stay in the membership', async () => {
    const state = group()
    const withoutC = withMembership(state.extensions, membership([A, 1n], [B, 2n]))
    expect(
      await codeOf(
        commit(state, leaf(C, c1), { proposals: [{ type: 'remove', leaf: leaf(C, c1) }], after: withoutC }),
      ),
    ).toBe('Mls::SubjectNotInMembership')
  })

  it('Update proposals are checked like the committer', async () => {
    const state = group()
    const forged: CommitProposal = {
      type: 'update',
      sender: member(leaf(B, b1)),
      leaf: leaf(B, installation(0x99)),
    }
    expect(await codeOf(commit(state, leaf(A, a1), { proposals: [forged] }))).toBe(
      'Mls::InstallationNotAssociated',
    )
    const honest: CommitProposal = { type: 'update', sender: member(leaf(B, b1)), leaf: leaf(B, b1) }
    expect(await codeOf(commit(state, leaf(A, a1), { proposals: [honest] }))).toBeUndefined()
  })

  it('the creation placeholder 0 is resolved at the latest state only while it stays 0', async () => {
    const created = {
      extensions: withMembership(group().extensions, membership([A, 0n])),
      members: [leaf(A, a1)],
    }
    const renamed = metadataChange(created, { type: 'setAttribute', field: 'group_name', value: 'first' })
    const result = await validateCommit(
      commit(created, leaf(A, a1), { after: withMembership(renamed, membership([A, 0n])) }),
    )
    expect(result.metadataDiff.fieldChanges).toEqual([
      { field: 'group_name', oldValue: '', newValue: 'first' },
    ])
    expect(ledger.calls.at(-1)).toEqual([A, toHex(a1), 'latest'])
  })

  it('identity port failures are retryable typed errors', async () => {
    const state = group()
    ledger.failWith = new Error('network down')
    try {
      await validateCommit(commit(state, leaf(A, a1)))
      expect.unreachable()
    } catch (error) {
      expect((error as { code?: string; retryable?: boolean }).code).toBe('Mls::IdentityLookupFailed')
      expect((error as { retryable?: boolean }).retryable).toBe(true)
    }
  })
})

describe('proposal types (step 8)', () => {
  it('rejects PSKs, proposal types XMTP does not use, and two GCE proposals', async () => {
    const state = group()
    expect(await codeOf(commit(state, leaf(A, a1), { proposals: [{ type: 'preSharedKey' }] }))).toBe(
      'Mls::PskNotSupported',
    )
    expect(
      await codeOf(
        commit(state, leaf(A, a1), {
          proposals: [{ type: 'other', proposalType: ProposalType.PreSharedKey }],
        }),
      ),
    ).toBe('Mls::PskNotSupported')
    expect(
      await codeOf(
        commit(state, leaf(A, a1), { proposals: [{ type: 'other', proposalType: ProposalType.ReInit }] }),
      ),
    ).toBe('Mls::UnsupportedProposal')
    const gce: CommitProposal = { type: 'groupContextExtensions', extensions: state.extensions }
    expect(await codeOf(commit(state, leaf(A, a1), { proposals: [gce, gce] }))).toBe('Mls::InvalidCommit')
  })

  it('accepts an empty key-update commit (path only)', async () => {
    const result = await validateCommit(commit(group(), leaf(B, b2)))
    expect(result.addedInboxes).toEqual([])
    expect(result.metadataDiff.fieldChanges).toEqual([])
    expect(result.permissionsChanged).toBe(false)
  })
})

describe('metadata, admins and permissions (steps 4-6, 14)', () => {
  it('lets any member rename under the default policy, within the length limit', async () => {
    const state = group()
    const renamed = metadataChange(state, {
      type: 'setAttribute',
      field: MetadataField.GroupName,
      value: 'team',
    })
    const result = await validateCommit(commit(state, leaf(B, b1), { after: renamed }))
    expect(result.metadataDiff.fieldChanges).toEqual([
      { field: 'group_name', oldValue: '', newValue: 'team' },
    ])
    expect(result.context.mutableMetadata.attributes.get('group_name')).toBe('team')
    const long = metadataChange(state, {
      type: 'setAttribute',
      field: MetadataField.GroupName,
      value: 'x'.repeat(101),
    })
    expect(await codeOf(commit(state, leaf(A, a1), { after: long }))).toBe('Mls::MetadataTooLong')
  })

  it('enforces metadata policies against the committer', async () => {
    const state = group()
    const disappearing = metadataChange(state, {
      type: 'setAttribute',
      field: MetadataField.MessageDisappearInNs,
      value: '1000',
    })
    expect(await codeOf(commit(state, leaf(B, b1), { after: disappearing }))).toBe('Mls::PermissionDenied')
    expect(await codeOf(commit(state, leaf(C, c1), { after: disappearing }))).toBeUndefined()
    const signer = metadataChange(state, {
      type: 'setAttribute',
      field: MetadataField.CommitLogSigner,
      value: 'ab',
    })
    expect(await codeOf(commit(state, leaf(C, c1), { after: signer }))).toBe('Mls::PermissionDenied')
    expect(await codeOf(commit(state, leaf(A, a1), { after: signer }))).toBeUndefined()
    const adminsOnly = group({ policies: adminsOnlyPolicySet() })
    const renamed = metadataChange(adminsOnly, {
      type: 'setAttribute',
      field: MetadataField.GroupName,
      value: 'x',
    })
    expect(await codeOf(commit(adminsOnly, leaf(B, b1), { after: renamed }))).toBe('Mls::PermissionDenied')
  })

  it('enforces membership policies against the proposer', async () => {
    const state = group()
    const withoutB = withMembership(state.extensions, membership([A, 1n], [C, 1n]))
    const removeB = (sender?: MemberLeaf): CommitProposal[] => [
      { type: 'remove', leaf: leaf(B, b1), ...(sender ? { sender: member(sender) } : {}) },
      { type: 'remove', leaf: leaf(B, b2), ...(sender ? { sender: member(sender) } : {}) },
    ]
    // B is no admin: default policy lets only admins remove.
    expect(
      await codeOf(commit(state, leaf(A, a1), { proposals: removeB(leaf(C, c1)), after: withoutB })),
    ).toBeUndefined()
    const withoutC = withMembership(state.extensions, membership([A, 1n], [B, 2n]))
    expect(
      await codeOf(
        commit(state, leaf(B, b1), { proposals: [{ type: 'remove', leaf: leaf(C, c1) }], after: withoutC }),
      ),
    ).toBe('Mls::PermissionDenied')
    // Admins-only: a member cannot add.
    const adminsOnly = group({ policies: adminsOnlyPolicySet() })
    const withD = withMembership(adminsOnly.extensions, membership([A, 1n], [B, 2n], [C, 1n], [D, 4n]))
    expect(
      await codeOf(
        commit(adminsOnly, leaf(B, b1), { proposals: [{ type: 'add', leaf: leaf(D, d1) }], after: withD }),
      ),
    ).toBe('Mls::PermissionDenied')
  })

  it('a super admin can never be removed from the group', async () => {
    const state = group()
    const withoutA = withMembership(state.extensions, membership([B, 2n], [C, 1n]))
    expect(
      await codeOf(
        commit(state, leaf(C, c1), { proposals: [{ type: 'remove', leaf: leaf(A, a1) }], after: withoutA }),
      ),
    ).toBe('Mls::SuperAdminRemoved')
  })

  it('admin lists follow their policies; super admins change only by super admins, never to none', async () => {
    const state = group()
    const promoteB = metadataChange(state, { type: 'addAdmin', inboxId: B })
    expect(await codeOf(commit(state, leaf(C, c1), { after: promoteB }))).toBe('Mls::PermissionDenied')
    const ok = await validateCommit(commit(state, leaf(A, a1), { after: promoteB }))
    expect(ok.metadataDiff.adminsAdded).toEqual([B])
    const superB = metadataChange(state, { type: 'addSuperAdmin', inboxId: B })
    expect(await codeOf(commit(state, leaf(C, c1), { after: superB }))).toBe('Mls::PermissionDenied')
    expect(await codeOf(commit(state, leaf(A, a1), { after: superB }))).toBeUndefined()
    const noSuper = metadataChange(state, { type: 'removeSuperAdmin', inboxId: A })
    expect(await codeOf(commit(state, leaf(A, a1), { after: noSuper }))).toBe('Mls::LastSuperAdmin')
  })

  it('only a super admin changes permissions', async () => {
    const state = group()
    const stricter = replaceExtension(state.extensions, {
      extensionType: ExtensionType.GroupPermissions,
      extensionData: encodeGroupPermissions(adminsOnlyPolicySet()),
    })
    expect(await codeOf(commit(state, leaf(C, c1), { after: stricter }))).toBe('Mls::PermissionDenied')
    const ok = await validateCommit(commit(state, leaf(A, a1), { after: stricter }))
    expect(ok.permissionsChanged).toBe(true)
    expect(ok.context.policies.addMemberPolicy).toEqual(adminsOnlyPolicySet().addMemberPolicy)
    // A custom policy that lets admins manage admins is honoured.
    const custom = group({
      policies: updatePolicySet(defaultPolicySet(), { slot: 'addAdmin', policy: { kind: 'base', base: 2 } }),
    })
    const promote = metadataChange(custom, { type: 'addAdmin', inboxId: B })
    expect(await codeOf(commit(custom, leaf(C, c1), { after: promote }))).toBeUndefined()
  })

  it('the immutable metadata never changes', async () => {
    const state = group()
    const other = replaceExtension(
      state.extensions,
      encodeImmutableMetadataExtension(
        buildGroupMetadata({ conversationType: ConversationType.Group, creatorInboxId: B }),
      ),
    )
    expect(await codeOf(commit(state, leaf(A, a1), { after: other }))).toBe('Mls::ImmutableMetadataChanged')
    const dropped = state.extensions.filter((e) => e.extensionType !== ExtensionType.MutableMetadata)
    expect(await codeOf(commit(state, leaf(A, a1), { after: dropped }))).toBe('Mls::MissingExtension')
  })

  it('a group requiring a newer protocol version than ours pauses', async () => {
    const state = group()
    const raised = metadataChange(state, {
      type: 'setAttribute',
      field: MetadataField.MinimumSupportedProtocolVersion,
      value: '9.0.0',
    })
    expect(await codeOf(commit(state, leaf(A, a1), { after: raised, ownProtocolVersion: '1.9.1' }))).toBe(
      'Mls::ProtocolVersionTooLow',
    )
    expect(
      await codeOf(commit(state, leaf(A, a1), { after: raised, ownProtocolVersion: '9.0.0' })),
    ).toBeUndefined()
    expect(await codeOf(commit(state, leaf(B, b1), { after: raised, ownProtocolVersion: '9.0.0' }))).toBe(
      'Mls::PermissionDenied',
    )
  })
})

describe('DMs (mls-groups.md §9)', () => {
  function dm(): GroupState {
    return {
      extensions: buildGroupContextExtensions({
        metadata: buildGroupMetadata({
          conversationType: ConversationType.Dm,
          creatorInboxId: A,
          dmPeerInboxId: B,
        }),
        mutableMetadata: buildMutableMetadata({ conversationType: ConversationType.Dm, creatorInboxId: A }),
        membership: buildGroupMembership([[A, 1n]]),
        policies: dmPolicySet(),
      }),
      members: [leaf(A, a1)],
    }
  }

  it('the creator adds the other DM member despite the DENY policy', async () => {
    const state = dm()
    const after = withMembership(state.extensions, membership([A, 1n], [B, 2n]))
    const adds: CommitProposal[] = [
      { type: 'add', leaf: leaf(B, b1) },
      { type: 'add', leaf: leaf(B, b2) },
    ]
    expect(
      (await validateCommit(commit(state, leaf(A, a1), { proposals: adds, after }))).addedInboxes,
    ).toEqual([B])
  })

  it('nobody else joins a DM, and nobody is removed', async () => {
    const state = dm()
    const withD = withMembership(state.extensions, membership([A, 1n], [D, 4n]))
    expect(
      await codeOf(
        commit(state, leaf(A, a1), { proposals: [{ type: 'add', leaf: leaf(D, d1) }], after: withD }),
      ),
    ).toBe('Mls::PermissionDenied')
    const full = { ...state, extensions: withMembership(state.extensions, membership([A, 1n], [C, 1n])) }
    full.members = [leaf(A, a1), leaf(C, c1)]
    const withoutC = withMembership(state.extensions, membership([A, 1n]))
    expect(
      await codeOf(
        commit(full, leaf(A, a1), { proposals: [{ type: 'remove', leaf: leaf(C, c1) }], after: withoutC }),
      ),
    ).toBe('Mls::PermissionDenied')
  })

  it('a DM membership never holds a third inbox, even under a permissive policy', async () => {
    const permissive = updatePolicySet(dmPolicySet(), {
      slot: 'addMember',
      policy: { kind: 'base', base: 1 },
    })
    const state = dm()
    state.extensions = replaceExtension(state.extensions, {
      extensionType: ExtensionType.GroupPermissions,
      extensionData: encodeGroupPermissions(permissive),
    })
    const after = withMembership(state.extensions, membership([A, 1n], [B, 1n], [D, 4n]))
    const adds: CommitProposal[] = [
      { type: 'add', leaf: leaf(B, b1) },
      { type: 'add', leaf: leaf(D, d1) },
    ]
    expect(await codeOf(commit(state, leaf(A, a1), { proposals: adds, after }))).toBe(
      'Mls::DmConstraintViolated',
    )
  })
})

describe('purity', () => {
  it('never mutates its input, whether it accepts or rejects', async () => {
    const state = group()
    const after = withMembership(state.extensions, membership([A, 1n], [B, 3n], [C, 1n]))
    for (const params of [
      commit(state, leaf(A, a1), { proposals: [{ type: 'remove', leaf: leaf(B, b2) }], after }),
      commit(state, leaf(A, a1), { after }),
    ]) {
      const snapshot = structuredClone({ ...params, identity: undefined })
      await codeOf(params)
      expect({ ...params, identity: undefined }).toEqual(snapshot)
    }
  })
})
