/**
 * Validation of an incoming (or our own staged) commit against XMTP's rules, as libxmtp's
 * `ValidatedCommit::from_staged_commit` applies them (mls-groups.md §7.3), over a neutral input the group
 * layer fills from the staged commit: no ts-mls types, no state mutated, every rejection a typed error.
 *
 * Rules, in libxmtp's order (step numbers of §7.3), plus two this project adds (marked +):
 * 1. committer and every proposer are member leaves (`Mls::ActorNotMember`);
 * 3-4. XMTP extensions decode; (+) immutable metadata 0xF000 is unchanged (`Mls::ImmutableMetadataChanged`);
 *   mutable-metadata diff;
 * 5. metadata length limits (`Mls::MetadataTooLong`);
 * 6. permissions changed?;
 * 8. no PSK proposals (`Mls::PskNotSupported`), no proposal types XMTP does not use (`Mls::UnsupportedProposal`),
 *    at most one GroupContextExtensions proposal (RFC 9420 §12.2, `Mls::InvalidCommit`);
 * 10. membership diff: sequence ids never decrease, added inboxes carry a real sequence id;
 * 11. re-add carve-out for super-admin committers;
 * 12. installations added and removed match the membership change and the identity state
 *     (`Mls::UnexpectedInstallationAdded` / `Mls::UnexpectedInstallationRemoved`);
 * 13. committer and Update leaves: inbox in the new membership, installation associated at its sequence id;
 * 14. permission policies and super-admin rules (`Mls::PermissionDenied`, `Mls::SuperAdminRemoved`,
 *     `Mls::LastSuperAdmin`); (+) a DM's membership holds only its two inboxes (`Mls::DmConstraintViolated`);
 * 15. minimum supported protocol version (`Mls::ProtocolVersionTooLow`).
 * @module
 */
import { equalBytes, toHex } from '@xmtp-lite/common'
import { MlsError } from '../errors.ts'
import { ConversationType, ExtensionType, MetadataField, ProposalType } from './constants.ts'
import {
  decodeGroupMembership,
  decodeGroupPermissions,
  decodeMutableMetadata,
  decodeXmtpGroupContext,
  findExtension,
  type XmtpGroupContext,
} from './extensions.ts'
import { askIsInstallationOf, type IdentityPort } from './identityPort.ts'
import {
  assertMetadataLengths,
  compareProtocolVersions,
  diffMutableMetadata,
  type MutableMetadataDiff,
} from './metadata.ts'
import { actorFromMetadata, checkPolicyAction, policySetEquals } from './policy.ts'
import type { Actor, GroupMembership, MemberLeaf, RawExtension } from './types.ts'

/** Who sent a commit or proposal (RFC 9420 §6 Sender). */
export type CommitSender =
  | { readonly type: 'member'; readonly inboxId: string; readonly installationKey: Uint8Array }
  | { readonly type: 'external' }
  | { readonly type: 'newMember' }

/**
 * A proposal of the commit, inline or resolved by reference. `sender` defaults to the committer (inline
 * proposals).
 */
export type CommitProposal =
  /** Add: the key package's credential inbox id and signature (installation) key. */
  | { readonly type: 'add'; readonly sender?: CommitSender; readonly leaf: MemberLeaf }
  /** Remove: the removed leaf as it is in the tree before the commit. */
  | { readonly type: 'remove'; readonly sender?: CommitSender; readonly leaf: MemberLeaf }
  /** Update: the new leaf. */
  | { readonly type: 'update'; readonly sender?: CommitSender; readonly leaf: MemberLeaf }
  /** GroupContextExtensions: the full new extension list. */
  | {
      readonly type: 'groupContextExtensions'
      readonly sender?: CommitSender
      readonly extensions: readonly RawExtension[]
    }
  | { readonly type: 'preSharedKey'; readonly sender?: CommitSender }
  /** Any other proposal type (ReInit, ExternalInit, AppDataUpdate, SelfRemove, custom). */
  | { readonly type: 'other'; readonly sender?: CommitSender; readonly proposalType: number }

/** The input of {@link validateCommit}. */
export interface ValidateCommitParams {
  readonly committer: CommitSender
  readonly proposals: readonly CommitProposal[]
  /** The group-context extensions before the commit. */
  readonly extensionsBefore: readonly RawExtension[]
  /** The group-context extensions of the staged commit (after it). */
  readonly extensionsAfter: readonly RawExtension[]
  /** The tree's member leaves before the commit. */
  readonly membersBefore: readonly MemberLeaf[]
  /** The tree's member leaves of the staged commit. */
  readonly membersAfter: readonly MemberLeaf[]
  readonly identity: IdentityPort
  /** Our protocol version (semver); when given, a group requiring a newer one is refused (§7.3 step 15). */
  readonly ownProtocolVersion?: string
}

/** What a valid commit does, for transcripts (GroupUpdated) and the caller's bookkeeping. */
export interface ValidatedCommit {
  /** The committer with its roles before the commit. */
  readonly committer: Actor & { readonly installationKey: Uint8Array }
  readonly addedInboxes: readonly string[]
  readonly removedInboxes: readonly string[]
  /** Inboxes whose sequence id rose. */
  readonly updatedInboxes: readonly string[]
  readonly addedInstallations: readonly Uint8Array[]
  readonly removedInstallations: readonly Uint8Array[]
  /** Installations a super admin removed and re-added (or tried to) in this commit. */
  readonly readdedInstallations: readonly Uint8Array[]
  readonly metadataDiff: MutableMetadataDiff
  readonly permissionsChanged: boolean
  /** The decoded XMTP content of the new group context. */
  readonly context: XmtpGroupContext
}

const hex = toHex

function notMember(what: string): MlsError {
  return new MlsError('Mls::ActorNotMember', `${what} is not a member of the group`)
}

function senderLeaf(sender: CommitSender, members: Map<string, MemberLeaf>, what: string): MemberLeaf {
  if (sender.type !== 'member') throw notMember(`the ${what} (${sender.type})`)
  const leaf = members.get(hex(sender.installationKey))
  if (leaf === undefined || leaf.inboxId !== sender.inboxId) throw notMember(`the ${what}`)
  return leaf
}

const emptyDiff = (superAdminCount: number): MutableMetadataDiff => ({
  fieldChanges: [],
  adminsAdded: [],
  adminsRemoved: [],
  superAdminsAdded: [],
  superAdminsRemoved: [],
  superAdminCount,
})

function sameBytes(a: RawExtension | undefined, b: RawExtension | undefined): boolean {
  return a !== undefined && b !== undefined && equalBytes(a.extensionData, b.extensionData)
}

/**
 * Validates a staged commit against XMTP's rules (mls-groups.md §7.3). Pure: reads its input, asks the
 * identity port, returns a summary or throws.
 * @throws {MlsError} with one of the codes listed in the module docs; `Mls::IdentityLookupFailed`
 * (retryable) when the identity port fails.
 */
export async function validateCommit(params: ValidateCommitParams): Promise<ValidatedCommit> {
  const { proposals, extensionsBefore, extensionsAfter, identity } = params

  // Step 1: committer and proposers are member leaves of the pre-commit tree.
  const leavesBefore = new Map<string, MemberLeaf>()
  for (const leaf of params.membersBefore) leavesBefore.set(hex(leaf.installationKey), leaf)
  const committerLeaf = senderLeaf(params.committer, leavesBefore, 'committer')
  const proposerOf = (proposal: CommitProposal): MemberLeaf =>
    proposal.sender === undefined ? committerLeaf : senderLeaf(proposal.sender, leavesBefore, 'proposer')
  const proposers = proposals.map(proposerOf)

  // Steps 3-4: the pre-commit context, and what changes.
  const before = decodeXmtpGroupContext(extensionsBefore)
  const immutableBefore = findExtension(extensionsBefore, ExtensionType.ImmutableMetadata)
  const immutableAfter = findExtension(extensionsAfter, ExtensionType.ImmutableMetadata)
  if (immutableAfter === undefined) {
    throw new MlsError('Mls::MissingExtension', 'the commit drops the immutable metadata extension')
  }
  if (!sameBytes(immutableBefore, immutableAfter)) {
    throw new MlsError('Mls::ImmutableMetadataChanged', 'the commit changes the immutable group metadata')
  }
  const mutableAfterExt = findExtension(extensionsAfter, ExtensionType.MutableMetadata)
  if (mutableAfterExt === undefined) {
    throw new MlsError('Mls::MissingExtension', 'the commit drops the mutable metadata extension')
  }
  // libxmtp compares the bytes first and decodes the new value only when they differ.
  const mutableUnchanged = sameBytes(
    findExtension(extensionsBefore, ExtensionType.MutableMetadata),
    mutableAfterExt,
  )
  const mutableAfter = mutableUnchanged
    ? before.mutableMetadata
    : decodeMutableMetadata(mutableAfterExt.extensionData)
  const metadataDiff = mutableUnchanged
    ? emptyDiff(before.mutableMetadata.superAdminList.length)
    : diffMutableMetadata(before.mutableMetadata, mutableAfter)

  // Step 5.
  assertMetadataLengths(metadataDiff.fieldChanges)

  // Step 6.
  const permissionsAfterExt = findExtension(extensionsAfter, ExtensionType.GroupPermissions)
  if (permissionsAfterExt === undefined) {
    throw new MlsError('Mls::MissingExtension', 'the commit drops the permissions extension')
  }
  const policiesAfter = decodeGroupPermissions(permissionsAfterExt.extensionData)
  const permissionsChanged = !policySetEquals(before.policies, policiesAfter)

  // Step 7: roles from the pre-commit metadata.
  const roleOf = (inboxId: string) => actorFromMetadata(inboxId, before.mutableMetadata)
  const committer = { ...roleOf(committerLeaf.inboxId), installationKey: committerLeaf.installationKey }

  // Step 8, and the proposal types XMTP groups never carry.
  let gce: RawExtension[] | undefined
  let gceProposer: MemberLeaf | undefined
  for (const [i, proposal] of proposals.entries()) {
    if (proposal.type === 'preSharedKey') {
      throw new MlsError('Mls::PskNotSupported', 'the commit carries a pre-shared key proposal')
    }
    if (proposal.type === 'other') {
      if (proposal.proposalType === ProposalType.PreSharedKey) {
        throw new MlsError('Mls::PskNotSupported', 'the commit carries a pre-shared key proposal')
      }
      throw new MlsError('Mls::UnsupportedProposal', 'the commit carries a proposal type XMTP does not use', {
        details: `proposal type 0x${proposal.proposalType.toString(16).padStart(4, '0')}`,
      })
    }
    if (proposal.type === 'groupContextExtensions') {
      if (gce !== undefined) {
        throw new MlsError(
          'Mls::InvalidCommit',
          'more than one GroupContextExtensions proposal (RFC 9420 §12.2)',
        )
      }
      gce = [...proposal.extensions]
      gceProposer = proposers[i]
    }
  }

  // Step 9: what the proposals do.
  const added = new Map<string, { leaf: MemberLeaf; proposer: MemberLeaf }>()
  const removed = new Map<string, { leaf: MemberLeaf; proposer: MemberLeaf }>()
  const toVerify: MemberLeaf[] = []
  for (const [i, proposal] of proposals.entries()) {
    const proposer = proposers[i] as MemberLeaf
    if (proposal.type === 'add')
      added.set(hex(proposal.leaf.installationKey), { leaf: proposal.leaf, proposer })
    if (proposal.type === 'remove') {
      const inTree = leavesBefore.get(hex(proposal.leaf.installationKey))
      if (inTree === undefined || inTree.inboxId !== proposal.leaf.inboxId) {
        throw new MlsError('Mls::InvalidCommit', 'a Remove proposal names a leaf that is not in the tree')
      }
      removed.set(hex(proposal.leaf.installationKey), { leaf: proposal.leaf, proposer })
    }
    if (proposal.type === 'update') toVerify.push(proposal.leaf)
  }

  // Step 10: the membership diff. libxmtp reads the new membership from the first GCE proposal.
  const membershipSource = gce ?? [...extensionsAfter]
  const membershipAfterExt = findExtension(membershipSource, ExtensionType.GroupMembership)
  if (membershipAfterExt === undefined) {
    throw new MlsError('Mls::MissingExtension', 'the commit drops the membership extension')
  }
  const oldMembership = before.membership
  const newMembership: GroupMembership = decodeGroupMembership(membershipAfterExt.extensionData)
  const addedInboxes: string[] = []
  const removedInboxes: string[] = []
  const updatedInboxes: string[] = []
  for (const [inboxId, sequenceId] of newMembership.members) {
    const old = oldMembership.members.get(inboxId)
    if (old === undefined) {
      // An added inbox at 0 would make each receiver resolve it at its own latest state and fork the
      // group; libxmtp rejects it (identity_updates.rs get_installation_diff_rejects_added_inbox_at_sequence_zero).
      if (sequenceId === 0n) {
        throw new MlsError('Mls::InvalidSequenceId', 'an inbox is added at sequence id 0', {
          details: inboxId,
        })
      }
      addedInboxes.push(inboxId)
    } else if (sequenceId < old) {
      throw new MlsError('Mls::SequenceIdDecreased', 'a member sequence id decreases', { details: inboxId })
    } else if (sequenceId > old) {
      updatedInboxes.push(inboxId)
    }
  }
  for (const inboxId of oldMembership.members.keys()) {
    if (!newMembership.members.has(inboxId)) removedInboxes.push(inboxId)
  }

  // Step 11: a super admin may remove and re-add the same installation (fork recovery, §7.2).
  const failed = new Set(newMembership.failedInstallations.map(hex))
  const readded: Uint8Array[] = []
  if (committer.isSuperAdmin) {
    for (const [key, entry] of [...added]) {
      if (removed.has(key)) {
        added.delete(key)
        removed.delete(key)
        readded.push(entry.leaf.installationKey)
      }
    }
    for (const [key, entry] of [...removed]) {
      if (failed.has(key)) {
        failed.delete(key)
        removed.delete(key)
        readded.push(entry.leaf.installationKey)
      }
    }
  }

  // Step 12: installations match the membership change and the identity state.
  const isAdded = new Set(addedInboxes)
  const isUpdated = new Set(updatedInboxes)
  const isRemoved = new Set(removedInboxes)
  for (const [key, { leaf }] of added) {
    if (leavesBefore.has(key)) continue // libxmtp: "already a member of the group"
    const unexpected = (why: string) =>
      new MlsError('Mls::UnexpectedInstallationAdded', 'the commit adds an unexpected installation', {
        details: `${key} (${why})`,
      })
    if (!isAdded.has(leaf.inboxId) && !isUpdated.has(leaf.inboxId)) {
      throw unexpected('its inbox is neither added nor updated')
    }
    const newSequence = newMembership.members.get(leaf.inboxId) as bigint
    if (!(await askIsInstallationOf(identity, leaf.inboxId, leaf.installationKey, newSequence))) {
      throw unexpected('not an installation of its inbox at the new sequence id')
    }
    const oldSequence = oldMembership.members.get(leaf.inboxId)
    if (oldSequence !== undefined && oldSequence !== 0n) {
      if (await askIsInstallationOf(identity, leaf.inboxId, leaf.installationKey, oldSequence)) {
        throw unexpected('already an installation of its inbox at the old sequence id')
      }
    }
  }
  // Expected removals, over the leaves of the tree: every leaf of a removed inbox, and every leaf of an
  // updated inbox that its new sequence id revokes; minus the failed installations.
  const expectedRemoved = new Set<string>()
  for (const [key, leaf] of leavesBefore) {
    if (isRemoved.has(leaf.inboxId)) {
      expectedRemoved.add(key)
    } else if (isUpdated.has(leaf.inboxId)) {
      const oldSequence = oldMembership.members.get(leaf.inboxId) as bigint
      // From the 0 placeholder libxmtp diffs from an empty state: nothing can be revoked.
      if (oldSequence === 0n) continue
      const newSequence = newMembership.members.get(leaf.inboxId) as bigint
      if (!(await askIsInstallationOf(identity, leaf.inboxId, leaf.installationKey, newSequence))) {
        expectedRemoved.add(key)
      }
    }
  }
  for (const key of failed) expectedRemoved.delete(key)
  for (const key of removed.keys()) {
    if (!expectedRemoved.has(key)) {
      throw new MlsError(
        'Mls::UnexpectedInstallationRemoved',
        'the commit removes an unexpected installation',
        {
          details: key,
        },
      )
    }
  }
  for (const key of expectedRemoved) {
    if (!removed.has(key)) {
      throw new MlsError(
        'Mls::UnexpectedInstallationRemoved',
        'the commit leaves an installation it must remove',
        {
          details: key,
        },
      )
    }
  }

  // Step 13: the committer and Update leaves are installations of inboxes of the new membership.
  for (const leaf of [...toVerify, committerLeaf]) {
    const sequenceId = newMembership.members.get(leaf.inboxId)
    if (sequenceId === undefined) {
      throw new MlsError('Mls::SubjectNotInMembership', 'a leaf inbox is not in the new membership', {
        details: leaf.inboxId,
      })
    }
    let at: bigint | 'latest' = sequenceId
    if (sequenceId === 0n) {
      // Only the creation placeholder, unchanged, may be resolved at "latest" (validated_commit.rs).
      if (oldMembership.members.get(leaf.inboxId) !== 0n) {
        throw new MlsError('Mls::InvalidSequenceId', 'a member is set to sequence id 0', {
          details: leaf.inboxId,
        })
      }
      at = 'latest'
    }
    if (!(await askIsInstallationOf(identity, leaf.inboxId, leaf.installationKey, at))) {
      throw new MlsError(
        'Mls::InstallationNotAssociated',
        'an installation is not associated with its inbox',
        {
          details: `${leaf.inboxId} ${hex(leaf.installationKey)}`,
        },
      )
    }
  }

  // Step 14: policies, against the proposer of each Add/Remove (else the GCE proposer, else the committer),
  // and against the committer for metadata, admin and permission changes.
  const { policies, metadata } = before
  const proposerActor = (
    inboxId: string,
    byInstallation: Map<string, { leaf: MemberLeaf; proposer: MemberLeaf }>,
  ) => {
    for (const entry of byInstallation.values()) {
      if (entry.leaf.inboxId === inboxId) return roleOf(entry.proposer.inboxId)
    }
    return gceProposer === undefined ? committer : roleOf(gceProposer.inboxId)
  }
  const dmCarveOut = addedInboxes.length === 1 && metadata.dmMembers !== undefined
  for (const inboxId of addedInboxes) {
    checkPolicyAction({
      policies,
      actor: proposerActor(inboxId, added),
      action: { type: 'addMember', inboxId },
      ...(dmCarveOut && metadata.dmMembers !== undefined ? { dmMembers: metadata.dmMembers } : {}),
    })
  }
  for (const inboxId of removedInboxes) {
    checkPolicyAction({
      policies,
      actor: proposerActor(inboxId, removed),
      action: { type: 'removeMember', inboxId, subjectIsSuperAdmin: roleOf(inboxId).isSuperAdmin },
    })
  }
  for (const change of metadataDiff.fieldChanges) {
    checkPolicyAction({ policies, actor: committer, action: { type: 'updateMetadata', field: change.field } })
  }
  if (metadataDiff.adminsAdded.length > 0)
    checkPolicyAction({ policies, actor: committer, action: { type: 'addAdmin' } })
  if (metadataDiff.adminsRemoved.length > 0) {
    checkPolicyAction({ policies, actor: committer, action: { type: 'removeAdmin' } })
  }
  if (metadataDiff.superAdminsAdded.length > 0) {
    checkPolicyAction({ policies, actor: committer, action: { type: 'addSuperAdmin' } })
  }
  if (metadataDiff.superAdminsRemoved.length > 0) {
    checkPolicyAction({
      policies,
      actor: committer,
      action: { type: 'removeSuperAdmin', superAdminsAfter: metadataDiff.superAdminCount },
    })
  }
  if (permissionsChanged)
    checkPolicyAction({ policies, actor: committer, action: { type: 'updatePermissions' } })

  // DM constraint (+): a DM's membership only ever holds its two inboxes.
  if (metadata.conversationType === ConversationType.Dm) {
    const allowed = new Set([metadata.dmMembers?.memberOneInboxId, metadata.dmMembers?.memberTwoInboxId])
    for (const inboxId of newMembership.members.keys()) {
      if (!allowed.has(inboxId)) {
        throw new MlsError('Mls::DmConstraintViolated', 'a DM membership holds a third inbox', {
          details: inboxId,
        })
      }
    }
  }

  // Step 15: the group may require a newer protocol version than ours.
  const minimumVersion = mutableAfter.attributes.get(MetadataField.MinimumSupportedProtocolVersion)
  if (params.ownProtocolVersion !== undefined && minimumVersion !== undefined) {
    let cmp: number
    try {
      cmp = compareProtocolVersions(minimumVersion, params.ownProtocolVersion)
    } catch (cause) {
      throw new MlsError('Mls::InvalidCommit', 'minimum_supported_protocol_version is not a semver version', {
        cause,
        details: minimumVersion,
      })
    }
    if (cmp > 0) {
      throw new MlsError('Mls::ProtocolVersionTooLow', 'the group requires a newer protocol version', {
        details: `${minimumVersion} > ${params.ownProtocolVersion}`,
      })
    }
  }

  // The staged tree must be the old tree minus removals plus additions (guards the caller's bookkeeping).
  const expectedAfter = new Set(leavesBefore.keys())
  for (const proposal of proposals) {
    if (proposal.type === 'remove') expectedAfter.delete(hex(proposal.leaf.installationKey))
  }
  for (const proposal of proposals) {
    if (proposal.type === 'add') expectedAfter.add(hex(proposal.leaf.installationKey))
  }
  const actualAfter = new Set(params.membersAfter.map((leaf) => hex(leaf.installationKey)))
  if (actualAfter.size !== expectedAfter.size || [...actualAfter].some((key) => !expectedAfter.has(key))) {
    throw new MlsError('Mls::InvalidCommit', 'the staged tree does not match the commit proposals')
  }

  return {
    committer,
    addedInboxes,
    removedInboxes,
    updatedInboxes,
    addedInstallations: [...added.values()].map((entry) => entry.leaf.installationKey),
    removedInstallations: [...removed.values()].map((entry) => entry.leaf.installationKey),
    readdedInstallations: readded,
    metadataDiff,
    permissionsChanged,
    context: { metadata, mutableMetadata: mutableAfter, membership: newMembership, policies: policiesAfter },
  }
}
