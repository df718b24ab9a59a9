/**
 * The XMTP permission policy engine (libxmtp groups/group_permissions.rs, as summarised in mls-groups.md
 * §4.7 and §7.3 step 14): the preset policy sets, evaluation of base policies and and-/any-conditions
 * against an actor's role, and the per-action checks with XMTP's super-admin rules.
 *
 * Roles: an actor is a member, an admin (in `admin_list`) or a super admin (in `super_admin_list`); "admin"
 * policies accept admins and super admins alike.
 * @module
 */
import { MlsError } from '../errors.ts'
import {
  MembershipBasePolicy,
  MetadataBasePolicy,
  MetadataField,
  PermissionsBasePolicy,
  SUPER_ADMIN_METADATA_PREFIX,
  SUPPORTED_METADATA_FIELDS,
} from './constants.ts'
import type {
  Actor,
  DmMembers,
  GroupMutableMetadata,
  MembershipPolicy,
  MetadataPolicy,
  PermissionsPolicy,
  PolicySet,
} from './types.ts'

const allowMember: MembershipPolicy = { kind: 'base', base: MembershipBasePolicy.Allow }
const denyMember: MembershipPolicy = { kind: 'base', base: MembershipBasePolicy.Deny }
const adminMember: MembershipPolicy = { kind: 'base', base: MembershipBasePolicy.AllowIfAdminOrSuperAdmin }
const allowMetadata: MetadataPolicy = { kind: 'base', base: MetadataBasePolicy.Allow }
const adminMetadata: MetadataPolicy = { kind: 'base', base: MetadataBasePolicy.AllowIfAdmin }
const superAdminMetadata: MetadataPolicy = { kind: 'base', base: MetadataBasePolicy.AllowIfSuperAdmin }
const denyPermissions: PermissionsPolicy = { kind: 'base', base: PermissionsBasePolicy.Deny }
const superAdminPermissions: PermissionsPolicy = {
  kind: 'base',
  base: PermissionsBasePolicy.AllowIfSuperAdmin,
}

function presetMetadataMap(others: MetadataPolicy): Map<string, MetadataPolicy> {
  const map = new Map<string, MetadataPolicy>()
  for (const field of SUPPORTED_METADATA_FIELDS) {
    if (field === MetadataField.MessageDisappearFromNs || field === MetadataField.MessageDisappearInNs) {
      map.set(field, adminMetadata)
    } else if (field === MetadataField.MinimumSupportedProtocolVersion) {
      map.set(field, superAdminMetadata)
    } else {
      map.set(field, others)
    }
  }
  return map
}

/**
 * The "All Members" preset, libxmtp's default when no policy is given (mls-groups.md §4.7): anyone adds,
 * admins remove, anyone edits name/description/image/app data, admins set disappearing messages, super admins
 * set the minimum protocol version and manage admins and permissions.
 */
export function defaultPolicySet(): PolicySet {
  return {
    addMemberPolicy: allowMember,
    removeMemberPolicy: adminMember,
    updateMetadataPolicy: presetMetadataMap(allowMetadata),
    addAdminPolicy: superAdminPermissions,
    removeAdminPolicy: superAdminPermissions,
    updatePermissionsPolicy: superAdminPermissions,
  }
}

/** The "Admins Only" preset (mls-groups.md §4.7): admins add, remove and edit metadata. */
export function adminsOnlyPolicySet(): PolicySet {
  return {
    addMemberPolicy: adminMember,
    removeMemberPolicy: adminMember,
    updateMetadataPolicy: presetMetadataMap(adminMetadata),
    addAdminPolicy: superAdminPermissions,
    removeAdminPolicy: superAdminPermissions,
    updatePermissionsPolicy: superAdminPermissions,
  }
}

/**
 * The DM policy set (`PolicySet::new_dm`, mls-groups.md §4.7): nobody adds or removes members or changes
 * admins or permissions; both members may edit every supported metadata field.
 */
export function dmPolicySet(): PolicySet {
  const metadata = new Map<string, MetadataPolicy>()
  for (const field of SUPPORTED_METADATA_FIELDS) metadata.set(field, allowMetadata)
  return {
    addMemberPolicy: denyMember,
    removeMemberPolicy: denyMember,
    updateMetadataPolicy: metadata,
    addAdminPolicy: denyPermissions,
    removeAdminPolicy: denyPermissions,
    updatePermissionsPolicy: denyPermissions,
  }
}

/** Which preset a policy set matches, by libxmtp's lenient rules, or `custom`. */
export type PolicyPreset = 'default' | 'adminsOnly' | 'custom'

/**
 * Classifies a policy set as libxmtp's `is_policy_default` / `is_policy_admin_only` do: the metadata map may
 * hold any subset of keys (older groups have fewer), but every key present must carry the preset's policy.
 */
export function detectPolicyPreset(policies: PolicySet): PolicyPreset {
  const slotsMatch = (add: MembershipPolicy) =>
    policyEquals(policies.addMemberPolicy, add) &&
    policyEquals(policies.removeMemberPolicy, adminMember) &&
    policyEquals(policies.addAdminPolicy, superAdminPermissions) &&
    policyEquals(policies.removeAdminPolicy, superAdminPermissions) &&
    policyEquals(policies.updatePermissionsPolicy, superAdminPermissions)
  const metadataMatches = (expected: (field: string) => MetadataPolicy) => {
    for (const [field, policy] of policies.updateMetadataPolicy) {
      if (!policyEquals(policy, expected(field))) return false
    }
    return true
  }
  const isDisappearing = (field: string) =>
    field === MetadataField.MessageDisappearFromNs || field === MetadataField.MessageDisappearInNs
  const isMinVersion = (field: string) => field === MetadataField.MinimumSupportedProtocolVersion
  if (
    slotsMatch(allowMember) &&
    metadataMatches((field) =>
      isDisappearing(field) ? adminMetadata : isMinVersion(field) ? superAdminMetadata : allowMetadata,
    )
  ) {
    return 'default'
  }
  if (
    slotsMatch(adminMember) &&
    metadataMatches((field) => (isMinVersion(field) ? superAdminMetadata : adminMetadata))
  ) {
    return 'adminsOnly'
  }
  return 'custom'
}

type AnyPolicy = MembershipPolicy | MetadataPolicy | PermissionsPolicy

/** Structural equality of two policies (libxmtp derives `PartialEq`; condition order matters). */
export function policyEquals(a: AnyPolicy, b: AnyPolicy): boolean {
  if (a.kind === 'base') return b.kind === 'base' && a.base === b.base
  if (b.kind === 'base') return false
  if (a.kind !== b.kind || a.policies.length !== b.policies.length) return false
  return a.policies.every((policy, i) => policyEquals(policy, b.policies[i] as AnyPolicy))
}

/**
 * Equality of two policy sets as libxmtp's `permissions_changed` computes it (mls-groups.md §7.3 step 6):
 * decoded values, metadata map compared as a map (order does not count).
 */
export function policySetEquals(a: PolicySet, b: PolicySet): boolean {
  if (
    !policyEquals(a.addMemberPolicy, b.addMemberPolicy) ||
    !policyEquals(a.removeMemberPolicy, b.removeMemberPolicy) ||
    !policyEquals(a.addAdminPolicy, b.addAdminPolicy) ||
    !policyEquals(a.removeAdminPolicy, b.removeAdminPolicy) ||
    !policyEquals(a.updatePermissionsPolicy, b.updatePermissionsPolicy) ||
    a.updateMetadataPolicy.size !== b.updateMetadataPolicy.size
  ) {
    return false
  }
  for (const [field, policy] of a.updateMetadataPolicy) {
    const other = b.updateMetadataPolicy.get(field)
    if (other === undefined || !policyEquals(policy, other)) return false
  }
  return true
}

function invalidPolicy(what: string, details: string): MlsError {
  return new MlsError('Mls::InvalidPolicy', `${what} is not a valid policy`, { details })
}

function checkPolicy(policy: AnyPolicy, allowed: readonly number[], what: string, depth: number): void {
  // Conditions nest; a bound keeps a hostile deeply nested policy from exhausting the stack.
  if (depth > 32) throw invalidPolicy(what, 'conditions nested deeper than 32 levels')
  if (policy.kind === 'base') {
    if (!allowed.includes(policy.base)) throw invalidPolicy(what, `base policy value ${policy.base}`)
    return
  }
  // libxmtp rejects empty and-/any-conditions on decode (group_permissions.rs TryFrom).
  if (policy.policies.length === 0) throw invalidPolicy(what, `empty ${policy.kind} condition`)
  for (const inner of policy.policies) checkPolicy(inner, allowed, what, depth + 1)
}

const membershipBases: readonly number[] = Object.values(MembershipBasePolicy)
const metadataBases: readonly number[] = Object.values(MetadataBasePolicy)
const permissionsBases: readonly number[] = Object.values(PermissionsBasePolicy)

/**
 * Checks a policy set's shape: known base values only, no empty conditions, bounded nesting.
 * @throws {MlsError} `Mls::InvalidPolicy`
 */
export function assertValidPolicySet(policies: PolicySet): void {
  checkPolicy(policies.addMemberPolicy, membershipBases, 'add_member_policy', 0)
  checkPolicy(policies.removeMemberPolicy, membershipBases, 'remove_member_policy', 0)
  for (const [field, policy] of policies.updateMetadataPolicy) {
    checkPolicy(policy, metadataBases, `update_metadata_policy[${field}]`, 0)
  }
  checkPolicy(policies.addAdminPolicy, permissionsBases, 'add_admin_policy', 0)
  checkPolicy(policies.removeAdminPolicy, permissionsBases, 'remove_admin_policy', 0)
  checkPolicy(policies.updatePermissionsPolicy, permissionsBases, 'update_permissions_policy', 0)
}

const isAdminLike = (actor: Actor) => actor.isAdmin || actor.isSuperAdmin

/** Whether a membership policy lets `actor` add or remove `subjectInboxId` (group_permissions.rs BasePolicies). */
export function evaluateMembershipPolicy(policy: MembershipPolicy, actor: Actor): boolean {
  switch (policy.kind) {
    case 'and':
      return policy.policies.every((inner) => evaluateMembershipPolicy(inner, actor))
    case 'any':
      return policy.policies.some((inner) => evaluateMembershipPolicy(inner, actor))
    case 'base':
      switch (policy.base) {
        case MembershipBasePolicy.Allow:
          return true
        case MembershipBasePolicy.Deny:
          return false
        case MembershipBasePolicy.AllowIfAdminOrSuperAdmin:
          return isAdminLike(actor)
        case MembershipBasePolicy.AllowIfSuperAdmin:
          return actor.isSuperAdmin
      }
  }
  return false
}

/** Whether a metadata policy lets `actor` change the field it guards. */
export function evaluateMetadataPolicy(policy: MetadataPolicy, actor: Actor): boolean {
  switch (policy.kind) {
    case 'and':
      return policy.policies.every((inner) => evaluateMetadataPolicy(inner, actor))
    case 'any':
      return policy.policies.some((inner) => evaluateMetadataPolicy(inner, actor))
    case 'base':
      switch (policy.base) {
        case MetadataBasePolicy.Allow:
          return true
        case MetadataBasePolicy.Deny:
          return false
        case MetadataBasePolicy.AllowIfAdmin:
          return isAdminLike(actor)
        case MetadataBasePolicy.AllowIfSuperAdmin:
          return actor.isSuperAdmin
      }
  }
  return false
}

/** Whether a permissions-update policy lets `actor` act. */
export function evaluatePermissionsPolicy(policy: PermissionsPolicy, actor: Actor): boolean {
  switch (policy.kind) {
    case 'and':
      return policy.policies.every((inner) => evaluatePermissionsPolicy(inner, actor))
    case 'any':
      return policy.policies.some((inner) => evaluatePermissionsPolicy(inner, actor))
    case 'base':
      switch (policy.base) {
        case PermissionsBasePolicy.Deny:
          return false
        case PermissionsBasePolicy.AllowIfAdmin:
          return isAdminLike(actor)
        case PermissionsBasePolicy.AllowIfSuperAdmin:
          return actor.isSuperAdmin
      }
  }
  return false
}

/**
 * The policy that guards a metadata field: its explicit entry, else super-admin-only for `_`-prefixed names
 * and admin-only for the rest (group_permissions.rs `evaluate_metadata_policy`, mls-groups.md §4.5).
 */
export function metadataPolicyFor(policies: PolicySet, field: string): MetadataPolicy {
  const explicit = policies.updateMetadataPolicy.get(field)
  if (explicit !== undefined) return explicit
  return field.startsWith(SUPER_ADMIN_METADATA_PREFIX) ? superAdminMetadata : adminMetadata
}

/** The actor `inboxId` with its roles in `metadata` (libxmtp `CommitParticipant::build`). */
export function actorFromMetadata(inboxId: string, metadata: GroupMutableMetadata): Actor {
  return {
    inboxId,
    isAdmin: metadata.adminList.includes(inboxId),
    isSuperAdmin: metadata.superAdminList.includes(inboxId),
  }
}

/** One change an actor wants to make, checked by {@link checkPolicyAction}. */
export type PolicyAction =
  /** Add the inbox `inboxId` to the group. */
  | { readonly type: 'addMember'; readonly inboxId: string }
  /** Remove the inbox `inboxId`; `subjectIsSuperAdmin` says whether it is a super admin now. */
  | { readonly type: 'removeMember'; readonly inboxId: string; readonly subjectIsSuperAdmin: boolean }
  /** Change (set, alter or delete) the metadata attribute `field`. */
  | { readonly type: 'updateMetadata'; readonly field: string }
  | { readonly type: 'addAdmin' }
  | { readonly type: 'removeAdmin' }
  | { readonly type: 'addSuperAdmin' }
  /** Remove a super admin; `superAdminsAfter` is the size of the super-admin list after the change. */
  | { readonly type: 'removeSuperAdmin'; readonly superAdminsAfter: number }
  | { readonly type: 'updatePermissions' }

/** Parameters of {@link checkPolicyAction}. */
export interface CheckPolicyActionParams {
  readonly policies: PolicySet
  readonly actor: Actor
  readonly action: PolicyAction
  /** The DM's two members, for the "re-add the other DM member" carve-out (mls-groups.md §7.3 step 14). */
  readonly dmMembers?: DmMembers
}

function denied(action: PolicyAction, actor: Actor): MlsError {
  return new MlsError('Mls::PermissionDenied', `the group policies do not allow ${action.type}`, {
    details: `actor ${actor.inboxId} (admin: ${actor.isAdmin}, super admin: ${actor.isSuperAdmin})`,
  })
}

/**
 * Checks one action against the policy set and XMTP's super-admin rules (group_permissions.rs
 * `evaluate_commit`, mls-groups.md §7.3 step 14):
 * - add member: `add_member_policy`, except that adding one of a DM's two members who is not the actor is
 *   always allowed;
 * - remove member: `remove_member_policy`, and a super admin can never be removed from the group;
 * - metadata: the field's policy ({@link metadataPolicyFor});
 * - admins: `add_admin_policy` / `remove_admin_policy`;
 * - super admins: only a super admin may add or remove one, and at least one must remain;
 * - permissions: only a super admin (the stored `update_permissions_policy` is not what libxmtp checks).
 * @throws {MlsError} `Mls::PermissionDenied`, `Mls::SuperAdminRemoved` or `Mls::LastSuperAdmin`.
 */
export function checkPolicyAction(params: CheckPolicyActionParams): void {
  const { policies, actor, action, dmMembers } = params
  switch (action.type) {
    case 'addMember': {
      const isOtherDmMember =
        dmMembers !== undefined &&
        (action.inboxId === dmMembers.memberOneInboxId || action.inboxId === dmMembers.memberTwoInboxId) &&
        action.inboxId !== actor.inboxId
      if (!isOtherDmMember && !evaluateMembershipPolicy(policies.addMemberPolicy, actor)) {
        throw denied(action, actor)
      }
      return
    }
    case 'removeMember':
      if (!evaluateMembershipPolicy(policies.removeMemberPolicy, actor)) throw denied(action, actor)
      if (action.subjectIsSuperAdmin) {
        throw new MlsError('Mls::SuperAdminRemoved', 'a super admin cannot be removed from the group', {
          details: action.inboxId,
        })
      }
      return
    case 'updateMetadata':
      if (!evaluateMetadataPolicy(metadataPolicyFor(policies, action.field), actor)) {
        throw denied(action, actor)
      }
      return
    case 'addAdmin':
      if (!evaluatePermissionsPolicy(policies.addAdminPolicy, actor)) throw denied(action, actor)
      return
    case 'removeAdmin':
      if (!evaluatePermissionsPolicy(policies.removeAdminPolicy, actor)) throw denied(action, actor)
      return
    case 'addSuperAdmin':
      if (!actor.isSuperAdmin) throw denied(action, actor)
      return
    case 'removeSuperAdmin':
      if (!actor.isSuperAdmin) throw denied(action, actor)
      if (action.superAdminsAfter <= 0) {
        throw new MlsError('Mls::LastSuperAdmin', 'the last super admin cannot be removed')
      }
      return
    case 'updatePermissions':
      // libxmtp: "Permissions can only be changed by the super admin" (evaluate_commit ignores the slot).
      if (!actor.isSuperAdmin) throw denied(action, actor)
      return
  }
}

/** {@link checkPolicyAction} as a boolean: true when every rule allows the action. */
export function isPolicyActionAllowed(params: CheckPolicyActionParams): boolean {
  try {
    checkPolicyAction(params)
    return true
  } catch (error) {
    if (error instanceof MlsError) return false
    throw error
  }
}

/** A slot of a policy set, for {@link updatePolicySet} (libxmtp `UpdatePermissionIntentData`). */
export type PolicyUpdate =
  | { readonly slot: 'addMember' | 'removeMember'; readonly policy: MembershipPolicy }
  | { readonly slot: 'addAdmin' | 'removeAdmin' | 'updatePermissions'; readonly policy: PermissionsPolicy }
  | { readonly slot: 'metadata'; readonly field: string; readonly policy: MetadataPolicy }

/**
 * A copy of `policies` with exactly one slot, or one metadata key, replaced (mls-groups.md §4.7, the
 * permission-update intent). The input is not modified.
 * @throws {MlsError} `Mls::InvalidPolicy` when the new policy is malformed.
 */
export function updatePolicySet(policies: PolicySet, update: PolicyUpdate): PolicySet {
  let next: PolicySet
  switch (update.slot) {
    case 'addMember':
      next = { ...policies, addMemberPolicy: update.policy }
      break
    case 'removeMember':
      next = { ...policies, removeMemberPolicy: update.policy }
      break
    case 'addAdmin':
      next = { ...policies, addAdminPolicy: update.policy }
      break
    case 'removeAdmin':
      next = { ...policies, removeAdminPolicy: update.policy }
      break
    case 'updatePermissions':
      next = { ...policies, updatePermissionsPolicy: update.policy }
      break
    case 'metadata': {
      const metadata = new Map(policies.updateMetadataPolicy)
      metadata.set(update.field, update.policy)
      next = { ...policies, updateMetadataPolicy: metadata }
      break
    }
  }
  assertValidPolicySet(next)
  return next
}
