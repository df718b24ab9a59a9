/**
 * What a joiner checks before accepting a welcome (mls-groups.md §5.4, libxmtp welcomes/validated_membership.rs
 * and groups/mod.rs `validate_dm_group`): the ratchet tree matches the membership extension and the identity
 * state, and a DM is the DM it claims to be.
 * @module
 */
import { toHex } from '@xmtp-lite/common'
import { MlsError } from '../errors.ts'
import { ConversationType, ExtensionType } from './constants.ts'
import {
  decodeGroupMembership,
  decodeGroupPermissions,
  decodeImmutableMetadataExtension,
  decodeMutableMetadata,
  findExtension,
} from './extensions.ts'
import { askInstallationsOf, askIsInstallationOf, type IdentityPort } from './identityPort.ts'
import { dmPolicySet, policyEquals } from './policy.ts'
import type {
  GroupMembership,
  GroupMetadata,
  GroupMutableMetadata,
  MemberLeaf,
  PolicySet,
  RawExtension,
} from './types.ts'

/** Parameters of {@link validateWelcome}. */
export interface ValidateWelcomeParams {
  /** The group-context extensions of the welcome's GroupInfo. */
  readonly extensions: readonly RawExtension[]
  /** Every member leaf of the welcome's ratchet tree (inbox id from the credential, signature key). */
  readonly members: readonly MemberLeaf[]
  readonly identity: IdentityPort
  /** Our inbox id (for the DM checks). */
  readonly ownInboxId: string
  /** The inbox of the leaf that sent the welcome (the committer that added us), for the DM checks. */
  readonly senderInboxId: string
}

/** The decoded XMTP state of a group a welcome joins. */
export interface ValidatedWelcome {
  readonly metadata: GroupMetadata
  /** Undefined when 0xFF00 does not decode: libxmtp tolerates that and uses defaults (§5.4 step 6). */
  readonly mutableMetadata: GroupMutableMetadata | undefined
  readonly membership: GroupMembership
  /** Undefined when 0xFF02 does not decode. */
  readonly policies: PolicySet | undefined
}

function invalidMembership(why: string, details?: string): MlsError {
  return new MlsError('Mls::InvalidGroupMembership', `the welcome membership is invalid: ${why}`, {
    ...(details === undefined ? {} : { details }),
  })
}

function dmViolation(why: string): MlsError {
  return new MlsError('Mls::DmConstraintViolated', `the welcome is not a valid DM: ${why}`)
}

function tryDecode<T>(decode: () => T): T | undefined {
  try {
    return decode()
  } catch (error) {
    if (error instanceof MlsError) return undefined
    throw error
  }
}

/**
 * Validates a welcome's group before joining (mls-groups.md §5.4 steps 2, 4, 5 and §9):
 * - every tree leaf's inbox is a key of GroupMembership and its installation is associated with that inbox at
 *   exactly the recorded sequence id (0, the creation placeholder, cannot be checked and is refused);
 * - when the identity port can list installations, every expected installation is in the tree or listed as
 *   failed;
 * - GroupMetadata decodes;
 * - a DM names both members, is between the sender and us (or, when the sender is another installation of
 *   ours, includes us), has empty admin lists, and does not replace all five membership/admin policies.
 * @throws {MlsError} `Mls::InvalidGroupMembership`, `Mls::DmConstraintViolated`, `Mls::MissingExtension`,
 * `Mls::ExtensionMalformed`, `Mls::IdentityLookupFailed` (retryable).
 */
export async function validateWelcome(params: ValidateWelcomeParams): Promise<ValidatedWelcome> {
  const { extensions, members, identity } = params
  const membershipExt = findExtension(extensions, ExtensionType.GroupMembership)
  if (membershipExt === undefined)
    throw new MlsError('Mls::MissingExtension', 'the welcome has no membership')
  const membership = decodeGroupMembership(membershipExt.extensionData)

  // Step 2: check_initial_membership.
  const inTree = new Set<string>()
  for (const leaf of members) {
    const key = toHex(leaf.installationKey)
    inTree.add(key)
    const sequenceId = membership.members.get(leaf.inboxId)
    if (sequenceId === undefined) throw invalidMembership('a leaf inbox is not a member', leaf.inboxId)
    if (sequenceId === 0n) throw invalidMembership('a member is still at sequence id 0', leaf.inboxId)
    if (!(await askIsInstallationOf(identity, leaf.inboxId, leaf.installationKey, sequenceId))) {
      throw invalidMembership('a leaf is not an installation of its inbox', `${leaf.inboxId} ${key}`)
    }
  }
  if (identity.installationsOf !== undefined) {
    const failed = new Set(membership.failedInstallations.map(toHex))
    for (const [inboxId, sequenceId] of membership.members) {
      if (sequenceId === 0n) throw invalidMembership('a member is still at sequence id 0', inboxId)
      const expected = await askInstallationsOf(
        { ...identity, installationsOf: identity.installationsOf },
        inboxId,
        sequenceId,
      )
      for (const installation of expected) {
        const key = toHex(installation)
        if (!inTree.has(key) && !failed.has(key)) {
          throw invalidMembership('an installation is neither in the tree nor failed', `${inboxId} ${key}`)
        }
      }
    }
  }

  // Step 4: the immutable metadata must decode.
  const metadataExt = findExtension(extensions, ExtensionType.ImmutableMetadata)
  if (metadataExt === undefined)
    throw new MlsError('Mls::MissingExtension', 'the welcome has no group metadata')
  const metadata = decodeImmutableMetadataExtension(metadataExt.extensionData)

  // Step 6: mutable metadata and permissions failures are tolerated (defaults used by the caller).
  const mutableExt = findExtension(extensions, ExtensionType.MutableMetadata)
  const mutableMetadata =
    mutableExt === undefined ? undefined : tryDecode(() => decodeMutableMetadata(mutableExt.extensionData))
  const permissionsExt = findExtension(extensions, ExtensionType.GroupPermissions)
  const policies =
    permissionsExt === undefined
      ? undefined
      : tryDecode(() => decodeGroupPermissions(permissionsExt.extensionData))

  // Step 5: validate_dm_group.
  if (metadata.conversationType === ConversationType.Dm) {
    const dm = metadata.dmMembers
    if (dm === undefined) throw dmViolation('no dm_members')
    const pair = [dm.memberOneInboxId, dm.memberTwoInboxId]
    if (params.senderInboxId === params.ownInboxId) {
      if (!pair.includes(params.ownInboxId)) throw dmViolation('we are not one of its members')
    } else {
      const expected = [params.senderInboxId, params.ownInboxId]
      if (!(pair.includes(expected[0] as string) && pair.includes(expected[1] as string))) {
        throw dmViolation('its members are not the sender and us')
      }
    }
    if (
      mutableMetadata === undefined ||
      mutableMetadata.adminList.length > 0 ||
      mutableMetadata.superAdminList.length > 0
    ) {
      throw dmViolation('admin lists are not empty')
    }
    // libxmtp combines these with `&&`: only a policy set differing in all five slots fails (mls-groups.md §9).
    if (policies !== undefined) {
      const dmPolicies = dmPolicySet()
      if (
        !policyEquals(policies.addMemberPolicy, dmPolicies.addMemberPolicy) &&
        !policyEquals(policies.removeMemberPolicy, dmPolicies.removeMemberPolicy) &&
        !policyEquals(policies.addAdminPolicy, dmPolicies.addAdminPolicy) &&
        !policyEquals(policies.removeAdminPolicy, dmPolicies.removeAdminPolicy) &&
        !policyEquals(policies.updatePermissionsPolicy, dmPolicies.updatePermissionsPolicy)
      ) {
        throw dmViolation('its permissions are not DM permissions')
      }
    }
  }

  return { metadata, mutableMetadata, membership, policies }
}
