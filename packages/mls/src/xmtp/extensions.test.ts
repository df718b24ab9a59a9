import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fromHex, toHex } from '@xmtp-lite/common'
import { describe, expect, it } from 'vitest'
import { ConversationType, ExtensionType, MembershipBasePolicy, MetadataBasePolicy } from './constants.ts'
import {
  buildGroupContextExtensions,
  buildGroupMembership,
  decodeApplicationIdExtension,
  decodeGroupMembership,
  decodeGroupMetadata,
  decodeGroupPermissions,
  decodeImmutableMetadataExtension,
  decodeMutableMetadata,
  decodeRequiredCapabilities,
  decodeXmtpGroupContext,
  encodeApplicationIdExtension,
  encodeGroupMembership,
  encodeGroupMetadata,
  encodeGroupPermissions,
  encodeImmutableMetadataExtension,
  encodeMutableMetadata,
  encodeRequiredCapabilities,
  findExtension,
  replaceExtension,
} from './extensions.ts'
import { buildGroupMetadata, buildMutableMetadata } from './metadata.ts'
import { adminsOnlyPolicySet, defaultPolicySet, dmPolicySet } from './policy.ts'
import type { MetadataPolicy, PolicySet, RawExtension } from './types.ts'

interface VectorCase {
  description: string
  extensionType: number
  extensionData: string
  valid: boolean
  decoded?: unknown
  error?: string
}

function vectors(name: string): VectorCase[] {
  const url = new URL(`../../../../vectors/mls-rules/${name}`, import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: VectorCase[] }).cases
}

// The official ts-proto decoders of @xmtp/proto, an oracle nobody here wrote (interop.md: CJS, by path).
const require = createRequire(import.meta.url)
const protoEntry = require.resolve('@xmtp/proto')
const protoDir = protoEntry.slice(0, protoEntry.indexOf('/ts/dist/'))
const oracle = (file: string) => require(`${protoDir}/ts/dist/cjs/mls/message_contents/${file}.pb.js`)
const oracleMetadata = oracle('group_metadata').GroupMetadataV1
const oracleMutable = oracle('group_mutable_metadata').GroupMutableMetadataV1
const oracleMembership = oracle('group_membership').GroupMembership

/** Our decoded values in the JSON form of the vector files. */
function toJsonForm(type: number, data: Uint8Array): unknown {
  switch (type) {
    case ExtensionType.ImmutableMetadata:
      return decodeImmutableMetadataExtension(data)
    case ExtensionType.MutableMetadata: {
      const m = decodeMutableMetadata(data)
      return { attributes: [...m.attributes], adminList: m.adminList, superAdminList: m.superAdminList }
    }
    case ExtensionType.GroupMembership: {
      const m = decodeGroupMembership(data)
      return {
        members: [...m.members].map(([k, v]) => [k, v.toString()]),
        failed: m.failedInstallations.map(toHex),
      }
    }
    case ExtensionType.GroupPermissions: {
      const p = decodeGroupPermissions(data)
      return { ...p, updateMetadataPolicy: [...p.updateMetadataPolicy] }
    }
    case ExtensionType.RequiredCapabilities:
      return decodeRequiredCapabilities(data)
    case ExtensionType.ApplicationId:
      return decodeApplicationIdExtension(data)
  }
  throw new Error(`no decoder for ${type}`)
}

function reencode(type: number, data: Uint8Array): Uint8Array {
  switch (type) {
    case ExtensionType.ImmutableMetadata:
      return encodeImmutableMetadataExtension(decodeImmutableMetadataExtension(data)).extensionData
    case ExtensionType.MutableMetadata:
      return encodeMutableMetadata(decodeMutableMetadata(data))
    case ExtensionType.GroupMembership:
      return encodeGroupMembership(decodeGroupMembership(data))
    case ExtensionType.GroupPermissions:
      return encodeGroupPermissions(decodeGroupPermissions(data))
    case ExtensionType.RequiredCapabilities:
      return encodeRequiredCapabilities(decodeRequiredCapabilities(data))
    case ExtensionType.ApplicationId:
      return encodeApplicationIdExtension(decodeApplicationIdExtension(data)).extensionData
  }
  throw new Error(`no encoder for ${type}`)
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code ?? `untyped: ${String(error)}`
  }
  return undefined
}

describe('libxmtp 1.9.1 extension bytes (vectors/mls-rules/extensions.libxmtp-1.9.1.json)', () => {
  const cases = vectors('extensions.libxmtp-1.9.1.json')

  it.each(cases.map((c) => [c.description, c] as const))('%s: decodes', (_, c) => {
    expect(toJsonForm(c.extensionType, fromHex(c.extensionData))).toEqual(c.decoded)
  })

  it.each(cases.map((c) => [c.description, c] as const))('%s: re-encodes byte for byte', (_, c) => {
    expect(toHex(reencode(c.extensionType, fromHex(c.extensionData)))).toBe(c.extensionData)
  })

  it('the official ts-proto decoders read the same values', () => {
    for (const c of cases) {
      const data = fromHex(c.extensionData)
      if (c.extensionType === ExtensionType.MutableMetadata) {
        const theirs = oracleMutable.decode(data)
        const ours = decodeMutableMetadata(data)
        expect(Object.fromEntries(ours.attributes)).toEqual(theirs.attributes)
        expect(ours.superAdminList).toEqual(theirs.superAdminList.inboxIds)
      }
      if (c.extensionType === ExtensionType.GroupMembership) {
        const theirs = oracleMembership.decode(data)
        const ours = decodeGroupMembership(data)
        expect([...ours.members].map(([k, v]) => [k, v.toString()])).toEqual(
          Object.entries(theirs.members).map(([k, v]) => [k, String(v)]),
        )
      }
      if (c.extensionType === ExtensionType.ImmutableMetadata) {
        const theirs = oracleMetadata.decode(data.subarray(2))
        expect(decodeImmutableMetadataExtension(data).creatorInboxId).toBe(theirs.creatorInboxId)
      }
    }
  })

  it('the whole group context decodes, and a fresh default group writes the same permissions bytes', () => {
    const extensions: RawExtension[] = cases
      .slice(0, 5)
      .map((c) => ({ extensionType: c.extensionType, extensionData: fromHex(c.extensionData) }))
    const context = decodeXmtpGroupContext(extensions)
    expect(context.metadata.conversationType).toBe(ConversationType.Group)
    expect(context.membership.members.size).toBe(2)
    // Same policies as our preset, and the same bytes once the metadata map is in libxmtp's order.
    const preset = defaultPolicySet()
    const reordered: PolicySet = {
      ...preset,
      updateMetadataPolicy: new Map(
        [...context.policies.updateMetadataPolicy.keys()].map((k) => [
          k,
          preset.updateMetadataPolicy.get(k) as MetadataPolicy,
        ]),
      ),
    }
    const permissions = findExtension(extensions, ExtensionType.GroupPermissions)
    expect(toHex(encodeGroupPermissions(reordered))).toBe(
      toHex(permissions?.extensionData ?? new Uint8Array()),
    )
  })
})

describe('malformed extensions (vectors/mls-rules/extensions.invalid.json)', () => {
  it.each(vectors('extensions.invalid.json').map((c) => [c.description, c] as const))('%s', (_, c) => {
    expect(c.valid).toBe(false)
    expect(codeOf(() => toJsonForm(c.extensionType, fromHex(c.extensionData)))).toBe(c.error)
  })

  it('random bytes end in typed errors, never a crash or an untyped throw', () => {
    let seed = 0x2545f491
    const next = () => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return seed >>> 0
    }
    const types = [0xf000, 0xff00, 0xff01, 0xff02, 0x0003, 0x0001]
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: next() % 48 }, () => next() & 0xff)
      for (const type of types) {
        const code = codeOf(() => toJsonForm(type, bytes))
        if (code !== undefined) expect(code).toMatch(/^Mls::/)
      }
    }
  })
})

describe('prost strictness', () => {
  it('reads well-formed non-ASCII strings', () => {
    const metadata = {
      attributes: new Map([['group_name', 'équipe 🚀']]),
      adminList: [],
      superAdminList: ['a'.repeat(64)],
    }
    expect(decodeMutableMetadata(encodeMutableMetadata(metadata))).toEqual(metadata)
  })

  it('skips unknown fields of every wire type, as prost does', () => {
    const membership = buildGroupMembership([['a'.repeat(64), 5n]])
    // field 9 varint, field 10 fixed64, field 11 length-delimited, field 12 fixed32
    const unknown = fromHex(`4801${'51'}${'00'.repeat(8)}5a0161${'65'}${'00'.repeat(4)}`)
    const bytes = new Uint8Array([...encodeGroupMembership(membership), ...unknown])
    expect(decodeGroupMembership(bytes)).toEqual(membership)
  })
})

describe('our encoders against the official decoders', () => {
  const alice = 'a'.repeat(64)
  const bob = 'b'.repeat(64)

  it('GroupMetadataV1 of a DM and of a oneshot group', () => {
    const dm = buildGroupMetadata({
      conversationType: ConversationType.Dm,
      creatorInboxId: alice,
      dmPeerInboxId: bob,
    })
    const bytes = encodeGroupMetadata(dm)
    const theirs = oracleMetadata.decode(bytes)
    expect(theirs.conversationType).toBe(2)
    expect(theirs.creatorInboxId).toBe(alice)
    expect(theirs.dmMembers.dmMemberOne.inboxId).toBe(alice)
    expect(theirs.dmMembers.dmMemberTwo.inboxId).toBe(bob)
    expect(decodeGroupMetadata(bytes)).toEqual(dm)
    // The extension wraps it in the inner <V> prefix: 2 bytes for a > 63-byte protobuf.
    const ext = encodeImmutableMetadataExtension(dm)
    expect(ext.extensionType).toBe(0xf000)
    expect(toHex(ext.extensionData.subarray(2))).toBe(toHex(bytes))
    const oneshot = {
      conversationType: ConversationType.Oneshot,
      creatorInboxId: alice,
      creatorAccountAddress: '',
      oneshotMessage: {
        readdRequest: { groupId: fromHex('00'.repeat(16)), latestCommitSequenceId: 2n ** 63n },
      },
    }
    expect(decodeGroupMetadata(encodeGroupMetadata(oneshot))).toEqual(oneshot)
  })

  it('GroupMutableMetadataV1 with empty lists and values still carries both lists', () => {
    const metadata = buildMutableMetadata({ conversationType: ConversationType.Dm, creatorInboxId: alice })
    const bytes = encodeMutableMetadata(metadata)
    const theirs = oracleMutable.decode(bytes)
    expect(theirs.adminList).toEqual({ inboxIds: [] })
    expect(theirs.superAdminList).toEqual({ inboxIds: [] })
    expect(theirs.attributes).toEqual({ group_name: '', description: '', group_image_url_square: '' })
    expect(toHex(bytes).endsWith('12001a00')).toBe(true)
    expect(decodeMutableMetadata(bytes)).toEqual(metadata)
  })

  it('GroupMembership with the 0 placeholder, a 64-bit sequence id and sorted failed installations', () => {
    const failed = [fromHex('ff'.repeat(32)), fromHex('01'.repeat(32))]
    const membership = buildGroupMembership(
      [
        [alice, 0n],
        [bob, 2n ** 64n - 1n],
      ],
      failed,
    )
    expect(membership.failedInstallations.map(toHex)).toEqual(['01'.repeat(32), 'ff'.repeat(32)])
    const bytes = encodeGroupMembership(membership)
    const theirs = oracleMembership.decode(bytes)
    expect(String(theirs.members[alice])).toBe('0')
    expect(theirs.members[bob].toString()).toBe('18446744073709551615')
    expect(theirs.failedInstallations.map((b: Uint8Array) => toHex(b))).toEqual([
      '01'.repeat(32),
      'ff'.repeat(32),
    ])
    expect(decodeGroupMembership(bytes)).toEqual(membership)
    expect(
      codeOf(() => encodeGroupMembership({ members: new Map([[alice, -1n]]), failedInstallations: [] })),
    ).toBe('Mls::InvalidArgument')
  })

  it('PolicySets round-trip: presets and nested custom conditions', () => {
    const custom: PolicySet = {
      ...adminsOnlyPolicySet(),
      addMemberPolicy: {
        kind: 'any',
        policies: [
          { kind: 'base', base: MembershipBasePolicy.AllowIfSuperAdmin },
          {
            kind: 'and',
            policies: [
              { kind: 'base', base: MembershipBasePolicy.AllowIfAdminOrSuperAdmin },
              { kind: 'base', base: MembershipBasePolicy.Allow },
            ],
          },
        ],
      },
      updateMetadataPolicy: new Map([['group_name', { kind: 'base', base: MetadataBasePolicy.Deny }]]),
    }
    for (const policies of [defaultPolicySet(), adminsOnlyPolicySet(), dmPolicySet(), custom]) {
      expect(decodeGroupPermissions(encodeGroupPermissions(policies))).toEqual(policies)
    }
  })

  it('application_id and required capabilities', () => {
    const ext = encodeApplicationIdExtension(alice)
    expect(toHex(ext.extensionData.subarray(0, 2))).toBe('4040')
    expect(decodeApplicationIdExtension(ext.extensionData)).toBe(alice)
  })
})

describe('group context helpers', () => {
  const alice = 'a'.repeat(64)
  const extensions = buildGroupContextExtensions({
    metadata: buildGroupMetadata({ conversationType: ConversationType.Group, creatorInboxId: alice }),
    mutableMetadata: buildMutableMetadata({
      conversationType: ConversationType.Group,
      creatorInboxId: alice,
    }),
    membership: buildGroupMembership([[alice, 0n]]),
    policies: defaultPolicySet(),
  })

  it('builds the five extensions in libxmtp creation order (mls-groups.md §4.3)', () => {
    expect(extensions.map((e) => e.extensionType)).toEqual([0xf000, 0xff00, 0xff01, 0xff02, 0x0003])
    expect(toHex(extensions[4]?.extensionData ?? new Uint8Array())).toBe(
      '0cff01ff00ff02f000000a0001020007020001',
    )
    const context = decodeXmtpGroupContext(extensions)
    expect(context.membership.members.get(alice)).toBe(0n)
    expect(context.mutableMetadata.superAdminList).toEqual([alice])
  })

  it('replaces an extension in place (add_or_replace) or appends it', () => {
    const membership = {
      extensionType: 0xff01,
      extensionData: encodeGroupMembership(buildGroupMembership([[alice, 3n]])),
    }
    const replaced = replaceExtension(extensions, membership)
    expect(replaced.map((e) => e.extensionType)).toEqual([0xf000, 0xff00, 0xff01, 0xff02, 0x0003])
    expect(findExtension(replaced, 0xff01)).toBe(membership)
    expect(findExtension(extensions, 0xff01)).not.toBe(membership)
    expect(
      replaceExtension(extensions, { extensionType: 0x0006, extensionData: new Uint8Array() }),
    ).toHaveLength(6)
  })

  it('a missing XMTP extension is Mls::MissingExtension', () => {
    for (const type of [0xf000, 0xff00, 0xff01, 0xff02]) {
      expect(codeOf(() => decodeXmtpGroupContext(extensions.filter((e) => e.extensionType !== type)))).toBe(
        'Mls::MissingExtension',
      )
    }
  })
})
