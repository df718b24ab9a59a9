import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  MembershipBasePolicy,
  MetadataBasePolicy,
  MetadataField,
  PermissionsBasePolicy,
  SUPPORTED_METADATA_FIELDS,
} from './constants.ts'
import {
  actorFromMetadata,
  adminsOnlyPolicySet,
  assertValidPolicySet,
  checkPolicyAction,
  defaultPolicySet,
  detectPolicyPreset,
  dmPolicySet,
  evaluateMembershipPolicy,
  evaluateMetadataPolicy,
  evaluatePermissionsPolicy,
  isPolicyActionAllowed,
  metadataPolicyFor,
  type PolicyAction,
  policySetEquals,
  updatePolicySet,
} from './policy.ts'
import type { Actor, MembershipPolicy, MetadataPolicy, PolicySet } from './types.ts'

const member: Actor = { inboxId: 'a'.repeat(64), isAdmin: false, isSuperAdmin: false }
const admin: Actor = { inboxId: 'b'.repeat(64), isAdmin: true, isSuperAdmin: false }
const superAdmin: Actor = { inboxId: 'c'.repeat(64), isAdmin: false, isSuperAdmin: true }
const roles = { member, admin, superAdmin } as const

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

function allowedRoles(policies: PolicySet, action: PolicyAction): string[] {
  return Object.entries(roles)
    .filter(([, actor]) => isPolicyActionAllowed({ policies, actor, action }))
    .map(([name]) => name)
}

const other = 'd'.repeat(64)

describe('presets (mls-groups.md §4.7)', () => {
  it('default: anyone adds, admins remove, anyone renames, admins set disappearing, super admins the rest', () => {
    const p = defaultPolicySet()
    expect(allowedRoles(p, { type: 'addMember', inboxId: other })).toEqual(['member', 'admin', 'superAdmin'])
    expect(allowedRoles(p, { type: 'removeMember', inboxId: other, subjectIsSuperAdmin: false })).toEqual([
      'admin',
      'superAdmin',
    ])
    expect(allowedRoles(p, { type: 'updateMetadata', field: 'group_name' })).toEqual([
      'member',
      'admin',
      'superAdmin',
    ])
    expect(allowedRoles(p, { type: 'updateMetadata', field: 'app_data' })).toHaveLength(3)
    expect(allowedRoles(p, { type: 'updateMetadata', field: 'message_disappear_in_ns' })).toEqual([
      'admin',
      'superAdmin',
    ])
    expect(allowedRoles(p, { type: 'updateMetadata', field: 'minimum_supported_protocol_version' })).toEqual([
      'superAdmin',
    ])
    for (const type of ['addAdmin', 'removeAdmin', 'addSuperAdmin', 'updatePermissions'] as const) {
      expect(allowedRoles(p, { type })).toEqual(['superAdmin'])
    }
    expect([...p.updateMetadataPolicy.keys()].sort()).toEqual([...SUPPORTED_METADATA_FIELDS].sort())
  })

  it('admins only: admins add, remove and edit metadata', () => {
    const p = adminsOnlyPolicySet()
    expect(allowedRoles(p, { type: 'addMember', inboxId: other })).toEqual(['admin', 'superAdmin'])
    expect(allowedRoles(p, { type: 'updateMetadata', field: 'description' })).toEqual(['admin', 'superAdmin'])
    expect(allowedRoles(p, { type: 'updateMetadata', field: 'minimum_supported_protocol_version' })).toEqual([
      'superAdmin',
    ])
  })

  it('DM: nobody adds, removes or manages admins; everyone edits metadata', () => {
    const p = dmPolicySet()
    expect(allowedRoles(p, { type: 'addMember', inboxId: other })).toEqual([])
    expect(allowedRoles(p, { type: 'removeMember', inboxId: other, subjectIsSuperAdmin: false })).toEqual([])
    expect(allowedRoles(p, { type: 'addAdmin' })).toEqual([])
    expect(allowedRoles(p, { type: 'removeAdmin' })).toEqual([])
    for (const field of SUPPORTED_METADATA_FIELDS) {
      expect(allowedRoles(p, { type: 'updateMetadata', field })).toHaveLength(3)
    }
  })

  it('are detected leniently, as libxmtp does, and anything else is custom', () => {
    expect(detectPolicyPreset(defaultPolicySet())).toBe('default')
    expect(detectPolicyPreset(adminsOnlyPolicySet())).toBe('adminsOnly')
    expect(detectPolicyPreset(dmPolicySet())).toBe('custom')
    // Older groups carry fewer metadata keys: still the preset.
    const fewer: PolicySet = { ...defaultPolicySet(), updateMetadataPolicy: new Map() }
    expect(detectPolicyPreset(fewer)).toBe('default')
    const changed = updatePolicySet(defaultPolicySet(), {
      slot: 'metadata',
      field: 'group_name',
      policy: { kind: 'base', base: MetadataBasePolicy.Deny },
    })
    expect(detectPolicyPreset(changed)).toBe('custom')
  })
})

describe('custom policies', () => {
  const adminAndSuper: MembershipPolicy = {
    kind: 'and',
    policies: [
      { kind: 'base', base: MembershipBasePolicy.AllowIfAdminOrSuperAdmin },
      { kind: 'base', base: MembershipBasePolicy.AllowIfSuperAdmin },
    ],
  }
  const denyOrSuper: MetadataPolicy = {
    kind: 'any',
    policies: [
      { kind: 'base', base: MetadataBasePolicy.Deny },
      { kind: 'base', base: MetadataBasePolicy.AllowIfSuperAdmin },
    ],
  }

  it('and-conditions need every policy, any-conditions one', () => {
    expect(evaluateMembershipPolicy(adminAndSuper, admin)).toBe(false)
    expect(evaluateMembershipPolicy(adminAndSuper, superAdmin)).toBe(true)
    expect(evaluateMetadataPolicy(denyOrSuper, member)).toBe(false)
    expect(evaluateMetadataPolicy(denyOrSuper, superAdmin)).toBe(true)
    expect(evaluatePermissionsPolicy({ kind: 'base', base: PermissionsBasePolicy.AllowIfAdmin }, admin)).toBe(
      true,
    )
    expect(evaluatePermissionsPolicy({ kind: 'base', base: PermissionsBasePolicy.Deny }, superAdmin)).toBe(
      false,
    )
  })

  it('fields without a policy: "_" prefix is super-admin-only, others admin-only', () => {
    const p = defaultPolicySet()
    expect(metadataPolicyFor(p, MetadataField.CommitLogSigner)).toEqual({
      kind: 'base',
      base: MetadataBasePolicy.AllowIfSuperAdmin,
    })
    expect(allowedRoles(p, { type: 'updateMetadata', field: '_commit_log_signer' })).toEqual(['superAdmin'])
    expect(allowedRoles(p, { type: 'updateMetadata', field: 'my_app_field' })).toEqual([
      'admin',
      'superAdmin',
    ])
  })

  it('admin policies follow their slots', () => {
    const p = updatePolicySet(defaultPolicySet(), {
      slot: 'addAdmin',
      policy: { kind: 'base', base: PermissionsBasePolicy.AllowIfAdmin },
    })
    expect(allowedRoles(p, { type: 'addAdmin' })).toEqual(['admin', 'superAdmin'])
    expect(allowedRoles(p, { type: 'removeAdmin' })).toEqual(['superAdmin'])
  })

  it('updatePolicySet changes one slot and leaves the input alone', () => {
    const before = defaultPolicySet()
    const after = updatePolicySet(before, { slot: 'addMember', policy: adminAndSuper })
    expect(policySetEquals(before, defaultPolicySet())).toBe(true)
    expect(policySetEquals(before, after)).toBe(false)
    expect(after.addMemberPolicy).toBe(adminAndSuper)
    expect(policySetEquals(after, { ...before, addMemberPolicy: adminAndSuper })).toBe(true)
  })

  it('policy set equality ignores metadata map order', () => {
    const a = defaultPolicySet()
    const reversed = new Map([...a.updateMetadataPolicy].reverse())
    expect(policySetEquals(a, { ...a, updateMetadataPolicy: reversed })).toBe(true)
    const fewer = new Map(a.updateMetadataPolicy)
    fewer.delete('app_data')
    expect(policySetEquals(a, { ...a, updateMetadataPolicy: fewer })).toBe(false)
  })

  it('rejects unspecified bases, empty conditions and runaway nesting', () => {
    const bad = (policy: unknown) =>
      codeOf(() =>
        assertValidPolicySet({ ...defaultPolicySet(), addMemberPolicy: policy as MembershipPolicy }),
      )
    expect(bad({ kind: 'base', base: 0 })).toBe('Mls::InvalidPolicy')
    expect(bad({ kind: 'base', base: 5 })).toBe('Mls::InvalidPolicy')
    expect(bad({ kind: 'and', policies: [] })).toBe('Mls::InvalidPolicy')
    expect(bad({ kind: 'any', policies: [{ kind: 'base', base: 9 }] })).toBe('Mls::InvalidPolicy')
    let deep: MembershipPolicy = { kind: 'base', base: 1 }
    for (let i = 0; i < 40; i++) deep = { kind: 'and', policies: [deep] }
    expect(bad(deep)).toBe('Mls::InvalidPolicy')
    // Permissions have no ALLOW (value 4 does not exist there).
    expect(
      codeOf(() =>
        assertValidPolicySet({ ...defaultPolicySet(), addAdminPolicy: { kind: 'base', base: 4 as 1 } }),
      ),
    ).toBe('Mls::InvalidPolicy')
    expect(() => assertValidPolicySet(defaultPolicySet())).not.toThrow()
    expect(
      codeOf(() =>
        updatePolicySet(defaultPolicySet(), { slot: 'removeMember', policy: { kind: 'any', policies: [] } }),
      ),
    ).toBe('Mls::InvalidPolicy')
  })
})

describe('super-admin rules and typed denials', () => {
  const p = defaultPolicySet()

  it('a super admin is never removed from the group', () => {
    expect(
      codeOf(() =>
        checkPolicyAction({
          policies: p,
          actor: superAdmin,
          action: { type: 'removeMember', inboxId: other, subjectIsSuperAdmin: true },
        }),
      ),
    ).toBe('Mls::SuperAdminRemoved')
  })

  it('only super admins change super admins, and the last one stays', () => {
    expect(
      codeOf(() => checkPolicyAction({ policies: p, actor: admin, action: { type: 'addSuperAdmin' } })),
    ).toBe('Mls::PermissionDenied')
    expect(
      codeOf(() =>
        checkPolicyAction({
          policies: p,
          actor: admin,
          action: { type: 'removeSuperAdmin', superAdminsAfter: 1 },
        }),
      ),
    ).toBe('Mls::PermissionDenied')
    expect(
      codeOf(() =>
        checkPolicyAction({
          policies: p,
          actor: superAdmin,
          action: { type: 'removeSuperAdmin', superAdminsAfter: 0 },
        }),
      ),
    ).toBe('Mls::LastSuperAdmin')
    expect(() =>
      checkPolicyAction({
        policies: p,
        actor: superAdmin,
        action: { type: 'removeSuperAdmin', superAdminsAfter: 1 },
      }),
    ).not.toThrow()
  })

  it('a member is denied with Mls::PermissionDenied', () => {
    expect(
      codeOf(() =>
        checkPolicyAction({
          policies: p,
          actor: member,
          action: { type: 'removeMember', inboxId: other, subjectIsSuperAdmin: false },
        }),
      ),
    ).toBe('Mls::PermissionDenied')
  })

  it('DM carve-out: the other DM member may always be re-added, nobody else', () => {
    const dm = dmPolicySet()
    const dmMembers = { memberOneInboxId: member.inboxId, memberTwoInboxId: other }
    const add = (inboxId: string, actor: Actor) =>
      isPolicyActionAllowed({ policies: dm, actor, action: { type: 'addMember', inboxId }, dmMembers })
    expect(add(other, member)).toBe(true)
    expect(add(member.inboxId, member)).toBe(false)
    expect(add('e'.repeat(64), member)).toBe(false)
  })

  it('roles come from the admin lists', () => {
    const metadata = {
      attributes: new Map(),
      adminList: [admin.inboxId],
      superAdminList: [superAdmin.inboxId],
    }
    expect(actorFromMetadata(admin.inboxId, metadata)).toEqual(admin)
    expect(actorFromMetadata(superAdmin.inboxId, metadata)).toEqual(superAdmin)
    expect(actorFromMetadata(member.inboxId, metadata)).toEqual(member)
  })
})

describe('policy vectors (vectors/mls-rules/policies.json)', () => {
  interface PolicyCase {
    description: string
    preset: 'default' | 'adminsOnly' | 'dm'
    role: keyof typeof roles
    action: PolicyAction
    valid: boolean
    error?: string
  }
  const file = new URL('../../../../vectors/mls-rules/policies.json', import.meta.url)
  const cases = (JSON.parse(readFileSync(file, 'utf8')) as { cases: PolicyCase[] }).cases
  const presets = { default: defaultPolicySet(), adminsOnly: adminsOnlyPolicySet(), dm: dmPolicySet() }

  it('covers every preset, role and action', () => {
    expect(cases).toHaveLength(3 * 3 * 18)
  })

  it.each(cases.map((c) => [c.description, c] as const))('%s', (_, c) => {
    const code = codeOf(() =>
      checkPolicyAction({ policies: presets[c.preset], actor: roles[c.role], action: c.action }),
    )
    expect(code).toBe(c.valid ? undefined : c.error)
  })
})
