import { describe, expect, it } from 'vitest'
import { ConversationType } from './constants.ts'
import {
  applyMutableMetadataChange,
  assertMetadataLengths,
  buildGroupMetadata,
  buildMutableMetadata,
  compareProtocolVersions,
  diffMutableMetadata,
  disappearingSettings,
  dmIdOf,
} from './metadata.ts'

const alice = 'a'.repeat(64)
const bob = 'b'.repeat(64)

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('creation metadata (mls-groups.md §4.4, §4.5, §9)', () => {
  it('a group: empty name, description, image and app data; the creator is the only super admin', () => {
    const metadata = buildMutableMetadata({ conversationType: ConversationType.Group, creatorInboxId: alice })
    expect([...metadata.attributes]).toEqual([
      ['group_name', ''],
      ['description', ''],
      ['group_image_url_square', ''],
      ['app_data', ''],
    ])
    expect(metadata.adminList).toEqual([])
    expect(metadata.superAdminList).toEqual([alice])
    expect(buildGroupMetadata({ conversationType: ConversationType.Group, creatorInboxId: alice })).toEqual({
      conversationType: 1,
      creatorInboxId: alice,
      creatorAccountAddress: '',
    })
  })

  it('a DM: no app_data, both admin lists empty, members {creator, peer}', () => {
    const metadata = buildMutableMetadata({
      conversationType: ConversationType.Dm,
      creatorInboxId: alice,
      commitLogSigner: '00'.repeat(32),
      disappearing: { fromNs: 1n, inNs: 2n },
    })
    expect(metadata.attributes.has('app_data')).toBe(false)
    expect(metadata.attributes.get('_commit_log_signer')).toBe('00'.repeat(32))
    expect(metadata.attributes.get('message_disappear_in_ns')).toBe('2')
    expect(metadata.superAdminList).toEqual([])
    const dm = buildGroupMetadata({
      conversationType: ConversationType.Dm,
      creatorInboxId: alice,
      dmPeerInboxId: bob,
    })
    expect(dm.dmMembers).toEqual({ memberOneInboxId: alice, memberTwoInboxId: bob })
    expect(
      codeOf(() => buildGroupMetadata({ conversationType: ConversationType.Dm, creatorInboxId: alice })),
    ).toBe('Mls::InvalidArgument')
  })

  it('the DM id sorts and lowercases both inbox ids', () => {
    expect(dmIdOf({ memberOneInboxId: bob, memberTwoInboxId: alice.toUpperCase() })).toBe(
      `dm:${alice}:${bob}`,
    )
  })
})

describe('changes and diffs', () => {
  const base = buildMutableMetadata({ conversationType: ConversationType.Group, creatorInboxId: alice })

  it('applies one change without touching the input', () => {
    const renamed = applyMutableMetadataChange(base, {
      type: 'setAttribute',
      field: 'group_name',
      value: 'x',
    })
    expect(base.attributes.get('group_name')).toBe('')
    const promoted = applyMutableMetadataChange(renamed, { type: 'addAdmin', inboxId: bob })
    const diff = diffMutableMetadata(base, promoted)
    expect(diff.fieldChanges).toEqual([{ field: 'group_name', oldValue: '', newValue: 'x' }])
    expect(diff.adminsAdded).toEqual([bob])
    expect(diff.superAdminCount).toBe(1)
    expect(codeOf(() => applyMutableMetadataChange(promoted, { type: 'addAdmin', inboxId: bob }))).toBe(
      'Mls::InvalidArgument',
    )
    const demoted = applyMutableMetadataChange(base, { type: 'removeSuperAdmin', inboxId: alice })
    expect(diffMutableMetadata(base, demoted)).toMatchObject({
      superAdminsRemoved: [alice],
      superAdminCount: 0,
    })
  })

  it('reports added and deleted keys', () => {
    const added = applyMutableMetadataChange(base, { type: 'setAttribute', field: 'custom', value: 'v' })
    expect(diffMutableMetadata(base, added).fieldChanges).toEqual([{ field: 'custom', newValue: 'v' }])
    expect(diffMutableMetadata(added, base).fieldChanges).toEqual([{ field: 'custom', oldValue: 'v' }])
  })

  it('enforces the byte limits on new values only', () => {
    expect(() => assertMetadataLengths([{ field: 'group_name', newValue: 'x'.repeat(100) }])).not.toThrow()
    expect(codeOf(() => assertMetadataLengths([{ field: 'group_name', newValue: 'x'.repeat(101) }]))).toBe(
      'Mls::MetadataTooLong',
    )
    // Bytes, not characters: 34 three-byte characters are 102 bytes.
    expect(codeOf(() => assertMetadataLengths([{ field: 'group_name', newValue: '€'.repeat(34) }]))).toBe(
      'Mls::MetadataTooLong',
    )
    expect(codeOf(() => assertMetadataLengths([{ field: 'description', newValue: 'x'.repeat(1001) }]))).toBe(
      'Mls::MetadataTooLong',
    )
    expect(
      codeOf(() => assertMetadataLengths([{ field: 'group_image_url_square', newValue: 'x'.repeat(2049) }])),
    ).toBe('Mls::MetadataTooLong')
    expect(codeOf(() => assertMetadataLengths([{ field: 'app_data', newValue: 'x'.repeat(8193) }]))).toBe(
      'Mls::MetadataTooLong',
    )
    expect(() => assertMetadataLengths([{ field: 'other', newValue: 'x'.repeat(10000) }])).not.toThrow()
  })

  it('disappearing messages are on only when both values are positive integers', () => {
    const withSettings = (from: string, inNs: string) =>
      applyMutableMetadataChange(
        applyMutableMetadataChange(base, {
          type: 'setAttribute',
          field: 'message_disappear_from_ns',
          value: from,
        }),
        { type: 'setAttribute', field: 'message_disappear_in_ns', value: inNs },
      )
    expect(disappearingSettings(withSettings('10', '20'))).toEqual({ fromNs: 10n, inNs: 20n })
    expect(disappearingSettings(withSettings('0', '0'))).toBeUndefined()
    expect(disappearingSettings(withSettings('x', '20'))).toBeUndefined()
    expect(disappearingSettings(withSettings('99999999999999999999', '20'))).toBeUndefined()
    expect(disappearingSettings(base)).toBeUndefined()
  })
})

describe('protocol versions (semver 2.0)', () => {
  it('orders releases, pre-releases and numeric identifiers', () => {
    const sorted = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-beta',
      '1.0.0-rc.2',
      '1.0.0-rc.10',
      '1.0.0',
      '1.11.0-dev',
      '1.11.0',
    ]
    for (let i = 0; i + 1 < sorted.length; i++) {
      expect(compareProtocolVersions(sorted[i] as string, sorted[i + 1] as string)).toBeLessThan(0)
      expect(compareProtocolVersions(sorted[i + 1] as string, sorted[i] as string)).toBeGreaterThan(0)
    }
    expect(compareProtocolVersions('1.2.3+build', '1.2.3')).toBe(0)
    expect(codeOf(() => compareProtocolVersions('1.2', '1.2.0'))).toBe('Mls::InvalidArgument')
  })
})
