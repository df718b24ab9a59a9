/**
 * Codecs of the XMTP MLS extensions, byte for byte as libxmtp writes them (mls-groups.md §3.1, §4.3-§4.7,
 * §14.1-§14.3):
 *
 * | type | content | framing of `extension_data` |
 * | --- | --- | --- |
 * | 0xF000 | GroupMetadataV1 | inner `<V>` length prefix, then protobuf |
 * | 0xFF00 | GroupMutableMetadataV1 (both admin lists always present) | raw protobuf |
 * | 0xFF01 | GroupMembership | raw protobuf |
 * | 0xFF02 | GroupMutablePermissionsV1 | raw protobuf |
 * | 0x0003 | RFC 9420 RequiredCapabilities | TLS struct |
 * | 0x0001 | application_id (leaf node) | inner `<V>` length prefix, then the inbox id as UTF-8 |
 *
 * Encoders write prost's bytes (see `pbwire.ts` for why we do not use protobufjs's encoders); decoders use
 * the generated protobufjs decoders of `@xmtp-lite/proto` and map every failure to `Mls::ExtensionMalformed`.
 * Decoded attribute, member and metadata-policy maps keep their wire order, so decode → encode is the identity
 * on libxmtp's bytes.
 * @module
 */
import { bytesToUtf8, utf8ToBytes } from '@xmtp-lite/common'
import { type Decodable, decodeMessage, toBigInt, xmtp } from '@xmtp-lite/proto'
import { MlsError } from '../errors.ts'
import {
  ConversationType,
  type ConversationTypeValue,
  ExtensionType,
  type RequiredCapabilities,
  XMTP_REQUIRED_CAPABILITIES,
} from './constants.ts'
import { type PbField, type PbSchema, PbWriter, pbStrictCheck } from './pbwire.ts'
import { assertValidPolicySet } from './policy.ts'
import { decodeOpaqueExact, decodeUint16List, encodeOpaque, encodeUint16List } from './tls.ts'
import type {
  GroupMembership,
  GroupMetadata,
  GroupMutableMetadata,
  MembershipPolicy,
  MetadataPolicy,
  PermissionsPolicy,
  PolicySet,
  RawExtension,
} from './types.ts'

const mc = xmtp.mls.message_contents

/** Largest extension content we decode: far above any real group (a 250-member membership is ~20 KiB). */
const MAX_EXTENSION_BYTES = 4 * 1024 * 1024

function malformed(what: string, details: string, cause?: unknown): MlsError {
  return new MlsError('Mls::ExtensionMalformed', `${what} does not parse`, {
    details,
    ...(cause === undefined ? {} : { cause }),
  })
}

// prost-strict shapes of the four messages (field numbers from mls-groups.md §4.4-§4.7).
const varintField: PbField = { kind: 'varint' }
const stringField: PbField = { kind: 'string' }
const bytesField: PbField = { kind: 'bytes' }
const message = (schema: () => PbSchema): PbField => ({ kind: 'message', schema })
const inboxSchema: PbSchema = { 1: stringField }
const groupMetadataSchema: PbSchema = {
  1: varintField,
  2: stringField,
  3: stringField,
  4: message(() => ({ 1: message(() => inboxSchema), 2: message(() => inboxSchema) })),
  5: message(() => ({ 1: message(() => ({ 1: bytesField, 2: varintField })) })),
}
const mutableMetadataSchema: PbSchema = {
  1: message(() => ({ 1: stringField, 2: stringField })),
  2: message(() => inboxSchema),
  3: message(() => inboxSchema),
}
const membershipSchema: PbSchema = { 1: message(() => ({ 1: stringField, 2: varintField })), 2: bytesField }
const policySchema: PbSchema = {
  1: varintField,
  2: message(() => ({ 1: message(() => policySchema) })),
  3: message(() => ({ 1: message(() => policySchema) })),
}
const permissionsSchema: PbSchema = {
  1: message(() => ({
    1: message(() => policySchema),
    2: message(() => policySchema),
    3: message(() => ({ 1: stringField, 2: message(() => policySchema) })),
    4: message(() => policySchema),
    5: message(() => policySchema),
    6: message(() => policySchema),
  })),
}

function decodeProto<T>(type: Decodable<T>, bytes: Uint8Array, what: string, schema: PbSchema): T {
  if (bytes.length > MAX_EXTENSION_BYTES) throw malformed(what, `${bytes.length} bytes`)
  const strict = pbStrictCheck(bytes, schema)
  if (strict !== undefined) throw malformed(what, strict)
  try {
    return decodeMessage(type, bytes, { maxBytes: MAX_EXTENSION_BYTES })
  } catch (cause) {
    throw malformed(what, 'protobuf decode failed', cause)
  }
}

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return bytesToUtf8(bytes)
  } catch (cause) {
    throw malformed(what, 'not UTF-8', cause)
  }
}

// ---------------------------------------------------------------------------------------------------
// 0xF000 GroupMetadataV1 (mls-groups.md §4.4)

/** The protobuf bytes of GroupMetadataV1 (no inner prefix). */
export function encodeGroupMetadata(metadata: GroupMetadata): Uint8Array {
  const w = new PbWriter()
  w.varintField(1, metadata.conversationType)
  if (metadata.creatorAccountAddress !== '') w.stringField(2, metadata.creatorAccountAddress)
  if (metadata.creatorInboxId !== '') w.stringField(3, metadata.creatorInboxId)
  if (metadata.dmMembers !== undefined) {
    const inbox = (id: string) => (id === '' ? new Uint8Array(0) : new PbWriter().stringField(1, id).finish())
    w.bytesField(
      4,
      new PbWriter()
        .bytesField(1, inbox(metadata.dmMembers.memberOneInboxId))
        .bytesField(2, inbox(metadata.dmMembers.memberTwoInboxId))
        .finish(),
    )
  }
  if (metadata.oneshotMessage !== undefined) {
    const oneshot = new PbWriter()
    const readd = metadata.oneshotMessage.readdRequest
    if (readd !== undefined) {
      const r = new PbWriter()
      if (readd.groupId.length > 0) r.bytesField(1, readd.groupId)
      if (readd.latestCommitSequenceId !== 0n) r.varintField(2, readd.latestCommitSequenceId)
      oneshot.bytesField(1, r.finish())
    }
    w.bytesField(5, oneshot.finish())
  }
  return w.finish()
}

const conversationTypes: readonly number[] = Object.values(ConversationType)

/**
 * GroupMetadataV1 from its protobuf bytes. Conversation types outside 1-4 are refused, as libxmtp does
 * (xmtp_db group/convert.rs); a DM must name both members.
 * @throws {MlsError} `Mls::ExtensionMalformed`
 */
export function decodeGroupMetadata(bytes: Uint8Array): GroupMetadata {
  const what = 'GroupMetadataV1'
  const m = decodeProto(mc.GroupMetadataV1, bytes, what, groupMetadataSchema)
  const conversationType = m.conversationType as number
  if (!conversationTypes.includes(conversationType)) {
    throw malformed(what, `conversation type ${conversationType}`)
  }
  const base = {
    conversationType: conversationType as ConversationTypeValue,
    creatorInboxId: m.creatorInboxId,
    creatorAccountAddress: m.creatorAccountAddress,
  }
  let result: GroupMetadata = base
  if (m.dmMembers != null) {
    const one = m.dmMembers.dmMemberOne
    const two = m.dmMembers.dmMemberTwo
    // libxmtp's DmMembers conversion needs both members (group_metadata.rs).
    if (one == null || two == null) throw malformed(what, 'dm_members lacks a member')
    result = {
      ...result,
      dmMembers: { memberOneInboxId: one.inboxId ?? '', memberTwoInboxId: two.inboxId ?? '' },
    }
  }
  if (m.oneshotMessage != null) {
    const readd = m.oneshotMessage.readdRequest
    result = {
      ...result,
      oneshotMessage:
        readd == null
          ? {}
          : {
              readdRequest: {
                groupId: readd.groupId ?? new Uint8Array(0),
                latestCommitSequenceId: toBigInt(readd.latestCommitSequenceId ?? 0),
              },
            },
    }
  }
  return result
}

/** Extension 0xF000: GroupMetadataV1 behind its inner `<V>` prefix (mls-groups.md §14.1). */
export function encodeImmutableMetadataExtension(metadata: GroupMetadata): RawExtension {
  return {
    extensionType: ExtensionType.ImmutableMetadata,
    extensionData: encodeOpaque(encodeGroupMetadata(metadata)),
  }
}

/**
 * GroupMetadataV1 from the `extension_data` of 0xF000.
 * @throws {MlsError} `Mls::ExtensionMalformed`, also when the inner prefix is missing or wrong.
 */
export function decodeImmutableMetadataExtension(extensionData: Uint8Array): GroupMetadata {
  return decodeGroupMetadata(decodeOpaqueExact(extensionData, 'immutable metadata (0xF000)'))
}

// ---------------------------------------------------------------------------------------------------
// 0xFF00 GroupMutableMetadataV1 (mls-groups.md §4.5)

function encodeInboxes(ids: readonly string[]): Uint8Array {
  const w = new PbWriter()
  for (const id of ids) w.stringField(1, id)
  return w.finish()
}

/** prost map entry: default key and value are left out (see pbwire.ts). */
function mapEntry(key: string, writeValue: (w: PbWriter) => void): Uint8Array {
  const w = new PbWriter()
  if (key !== '') w.stringField(1, key)
  writeValue(w)
  return w.finish()
}

/** The `extension_data` of 0xFF00: raw protobuf, both admin lists always written, even when empty (§14.3). */
export function encodeMutableMetadata(metadata: GroupMutableMetadata): Uint8Array {
  const w = new PbWriter()
  for (const [key, value] of metadata.attributes) {
    w.bytesField(
      1,
      mapEntry(key, (e) => {
        if (value !== '') e.stringField(2, value)
      }),
    )
  }
  w.bytesField(2, encodeInboxes(metadata.adminList))
  w.bytesField(3, encodeInboxes(metadata.superAdminList))
  return w.finish()
}

/**
 * GroupMutableMetadataV1 from the `extension_data` of 0xFF00. Both admin lists must be present, as libxmtp
 * requires (`MissingMetadataField`, mls-groups.md §4.5).
 * @throws {MlsError} `Mls::ExtensionMalformed`
 */
export function decodeMutableMetadata(extensionData: Uint8Array): GroupMutableMetadata {
  const what = 'GroupMutableMetadataV1 (0xFF00)'
  const m = decodeProto(mc.GroupMutableMetadataV1, extensionData, what, mutableMetadataSchema)
  if (m.adminList == null || m.superAdminList == null) throw malformed(what, 'an admin list is missing')
  return {
    attributes: new Map(Object.entries(m.attributes ?? {})),
    adminList: [...(m.adminList.inboxIds ?? [])],
    superAdminList: [...(m.superAdminList.inboxIds ?? [])],
  }
}

// ---------------------------------------------------------------------------------------------------
// 0xFF01 GroupMembership (mls-groups.md §4.6)

/** The `extension_data` of 0xFF01: raw protobuf, entries and failed installations in the given order. */
export function encodeGroupMembership(membership: GroupMembership): Uint8Array {
  const w = new PbWriter()
  for (const [inboxId, sequenceId] of membership.members) {
    if (sequenceId < 0n || sequenceId >= 1n << 64n) {
      throw new MlsError('Mls::InvalidArgument', 'a sequence id must be a uint64', { details: inboxId })
    }
    w.bytesField(
      1,
      mapEntry(inboxId, (e) => {
        if (sequenceId !== 0n) e.varintField(2, sequenceId)
      }),
    )
  }
  for (const installation of membership.failedInstallations) w.bytesField(2, installation)
  return w.finish()
}

/**
 * GroupMembership from the `extension_data` of 0xFF01.
 * @throws {MlsError} `Mls::ExtensionMalformed`
 */
export function decodeGroupMembership(extensionData: Uint8Array): GroupMembership {
  const m = decodeProto(mc.GroupMembership, extensionData, 'GroupMembership (0xFF01)', membershipSchema)
  const members = new Map<string, bigint>()
  for (const [inboxId, sequenceId] of Object.entries(m.members ?? {}))
    members.set(inboxId, toBigInt(sequenceId))
  return { members, failedInstallations: (m.failedInstallations ?? []).map((b) => Uint8Array.from(b)) }
}

/**
 * A membership as libxmtp writes it: failed installations sorted byte-wise (mls-groups.md §4.6).
 */
export function buildGroupMembership(
  members: Iterable<readonly [string, bigint]>,
  failedInstallations: readonly Uint8Array[] = [],
): GroupMembership {
  const sorted = [...failedInstallations].sort((a, b) => {
    const n = Math.min(a.length, b.length)
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
    return a.length - b.length
  })
  return { members: new Map(members), failedInstallations: sorted }
}

// ---------------------------------------------------------------------------------------------------
// 0xFF02 GroupMutablePermissionsV1 / PolicySet (mls-groups.md §4.7)

type Policy = MembershipPolicy | MetadataPolicy | PermissionsPolicy

function encodePolicy(policy: Policy): Uint8Array {
  const w = new PbWriter()
  if (policy.kind === 'base') {
    w.varintField(1, policy.base)
  } else {
    const condition = new PbWriter()
    for (const inner of policy.policies) condition.bytesField(1, encodePolicy(inner))
    w.bytesField(policy.kind === 'and' ? 2 : 3, condition.finish())
  }
  return w.finish()
}

/** The protobuf bytes of a PolicySet. */
export function encodePolicySet(policies: PolicySet): Uint8Array {
  const w = new PbWriter()
  w.bytesField(1, encodePolicy(policies.addMemberPolicy))
  w.bytesField(2, encodePolicy(policies.removeMemberPolicy))
  for (const [field, policy] of policies.updateMetadataPolicy) {
    w.bytesField(
      3,
      mapEntry(field, (e) => e.bytesField(2, encodePolicy(policy))),
    )
  }
  w.bytesField(4, encodePolicy(policies.addAdminPolicy))
  w.bytesField(5, encodePolicy(policies.removeAdminPolicy))
  w.bytesField(6, encodePolicy(policies.updatePermissionsPolicy))
  return w.finish()
}

/** The `extension_data` of 0xFF02: `GroupMutablePermissionsV1 { policies = 1 }`. */
export function encodeGroupPermissions(policies: PolicySet): Uint8Array {
  return new PbWriter().bytesField(1, encodePolicySet(policies)).finish()
}

interface WirePolicy {
  base?: number | null
  andCondition?: { policies?: WirePolicy[] | null } | null
  anyCondition?: { policies?: WirePolicy[] | null } | null
  kind?: string
}

function readPolicy(wire: WirePolicy | null | undefined, what: string, depth: number): Policy {
  if (wire == null) throw new MlsError('Mls::InvalidPolicy', `${what} is missing`)
  if (depth > 32) throw new MlsError('Mls::InvalidPolicy', `${what} nests deeper than 32 levels`)
  switch (wire.kind) {
    case 'base':
      return { kind: 'base', base: wire.base as never }
    case 'andCondition':
    case 'anyCondition': {
      const condition = wire.kind === 'andCondition' ? wire.andCondition : wire.anyCondition
      const policies = (condition?.policies ?? []).map((inner) => readPolicy(inner, what, depth + 1))
      return { kind: wire.kind === 'andCondition' ? 'and' : 'any', policies } as Policy
    }
    default:
      throw new MlsError('Mls::InvalidPolicy', `${what} has no policy kind`)
  }
}

/**
 * GroupMutablePermissionsV1 from the `extension_data` of 0xFF02. Every slot but the metadata map is
 * required, conditions must be non-empty and base values known (group_permissions.rs `from_proto`).
 * @throws {MlsError} `Mls::ExtensionMalformed` for bytes that do not parse, `Mls::InvalidPolicy` for a
 * well-formed but invalid policy set.
 */
export function decodeGroupPermissions(extensionData: Uint8Array): PolicySet {
  const m = decodeProto(
    mc.GroupMutablePermissionsV1,
    extensionData,
    'GroupMutablePermissionsV1 (0xFF02)',
    permissionsSchema,
  )
  const p = m.policies
  if (p == null) throw new MlsError('Mls::InvalidPolicy', 'GroupMutablePermissionsV1 has no policies')
  const metadata = new Map<string, MetadataPolicy>()
  for (const [field, policy] of Object.entries(p.updateMetadataPolicy ?? {})) {
    metadata.set(
      field,
      readPolicy(policy as WirePolicy, `update_metadata_policy[${field}]`, 0) as MetadataPolicy,
    )
  }
  const policies: PolicySet = {
    addMemberPolicy: readPolicy(p.addMemberPolicy as WirePolicy, 'add_member_policy', 0) as MembershipPolicy,
    removeMemberPolicy: readPolicy(
      p.removeMemberPolicy as WirePolicy,
      'remove_member_policy',
      0,
    ) as MembershipPolicy,
    updateMetadataPolicy: metadata,
    addAdminPolicy: readPolicy(p.addAdminPolicy as WirePolicy, 'add_admin_policy', 0) as PermissionsPolicy,
    removeAdminPolicy: readPolicy(
      p.removeAdminPolicy as WirePolicy,
      'remove_admin_policy',
      0,
    ) as PermissionsPolicy,
    updatePermissionsPolicy: readPolicy(
      p.updatePermissionsPolicy as WirePolicy,
      'update_permissions_policy',
      0,
    ) as PermissionsPolicy,
  }
  assertValidPolicySet(policies)
  return policies
}

// ---------------------------------------------------------------------------------------------------
// 0x0003 RequiredCapabilities (RFC 9420 §7.2, mls-groups.md §4.3)

/** The `extension_data` of required_capabilities. */
export function encodeRequiredCapabilities(capabilities: RequiredCapabilities): Uint8Array {
  const parts = [
    encodeUint16List(capabilities.extensionTypes),
    encodeUint16List(capabilities.proposalTypes),
    encodeUint16List(capabilities.credentialTypes),
  ]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * RequiredCapabilities from its `extension_data`.
 * @throws {MlsError} `Mls::ExtensionMalformed`
 */
export function decodeRequiredCapabilities(extensionData: Uint8Array): RequiredCapabilities {
  const what = 'required_capabilities'
  const extensionTypes = decodeUint16List(extensionData, 0, what)
  const proposalTypes = decodeUint16List(extensionData, extensionTypes.offset, what)
  const credentialTypes = decodeUint16List(extensionData, proposalTypes.offset, what)
  if (credentialTypes.offset !== extensionData.length) throw malformed(what, 'trailing bytes')
  return {
    extensionTypes: extensionTypes.value,
    proposalTypes: proposalTypes.value,
    credentialTypes: credentialTypes.value,
  }
}

// ---------------------------------------------------------------------------------------------------
// 0x0001 application_id (leaf node, mls-groups.md §3.1, §14.1)

/** The leaf `application_id` extension libxmtp writes: the inbox id behind an inner `<V>` prefix. */
export function encodeApplicationIdExtension(inboxId: string): RawExtension {
  return { extensionType: ExtensionType.ApplicationId, extensionData: encodeOpaque(utf8ToBytes(inboxId)) }
}

/**
 * The inbox id of an `application_id` extension written the libxmtp way.
 * @throws {MlsError} `Mls::ExtensionMalformed`
 */
export function decodeApplicationIdExtension(extensionData: Uint8Array): string {
  return utf8(decodeOpaqueExact(extensionData, 'application_id'), 'application_id')
}

// ---------------------------------------------------------------------------------------------------
// The whole group context

/** The decoded XMTP content of a group context. */
export interface XmtpGroupContext {
  readonly metadata: GroupMetadata
  readonly mutableMetadata: GroupMutableMetadata
  readonly membership: GroupMembership
  readonly policies: PolicySet
}

/** Parameters of {@link buildGroupContextExtensions}. */
export interface BuildGroupContextExtensionsParams {
  readonly metadata: GroupMetadata
  readonly mutableMetadata: GroupMutableMetadata
  readonly membership: GroupMembership
  readonly policies: PolicySet
}

/**
 * The group-context extensions of a new XMTP group, in libxmtp's creation order: 0xF000, 0xFF00, 0xFF01,
 * 0xFF02, required_capabilities (mls-groups.md §4.3, recipe §13.C).
 */
export function buildGroupContextExtensions(params: BuildGroupContextExtensionsParams): RawExtension[] {
  return [
    encodeImmutableMetadataExtension(params.metadata),
    {
      extensionType: ExtensionType.MutableMetadata,
      extensionData: encodeMutableMetadata(params.mutableMetadata),
    },
    { extensionType: ExtensionType.GroupMembership, extensionData: encodeGroupMembership(params.membership) },
    { extensionType: ExtensionType.GroupPermissions, extensionData: encodeGroupPermissions(params.policies) },
    {
      extensionType: ExtensionType.RequiredCapabilities,
      extensionData: encodeRequiredCapabilities(XMTP_REQUIRED_CAPABILITIES),
    },
  ]
}

/** The first extension of `type`, or undefined. */
export function findExtension(extensions: readonly RawExtension[], type: number): RawExtension | undefined {
  return extensions.find((e) => e.extensionType === type)
}

/**
 * A copy of `extensions` with `extension` replacing the one of the same type in place, or appended (OpenMLS
 * `add_or_replace`, what libxmtp's GCE commits do, mls-groups.md §7.1 step 7).
 */
export function replaceExtension(
  extensions: readonly RawExtension[],
  extension: RawExtension,
): RawExtension[] {
  const index = extensions.findIndex((e) => e.extensionType === extension.extensionType)
  if (index < 0) return [...extensions, extension]
  return extensions.map((e, i) => (i === index ? extension : e))
}

function required(extensions: readonly RawExtension[], type: number, name: string): Uint8Array {
  const found = findExtension(extensions, type)
  if (found === undefined) {
    throw new MlsError('Mls::MissingExtension', `the group context has no ${name} extension`, {
      details: `type 0x${type.toString(16).padStart(4, '0')}`,
    })
  }
  return found.extensionData
}

/**
 * Decodes the four XMTP extensions of a group context.
 * @throws {MlsError} `Mls::MissingExtension`, `Mls::ExtensionMalformed` or `Mls::InvalidPolicy`.
 */
export function decodeXmtpGroupContext(extensions: readonly RawExtension[]): XmtpGroupContext {
  return {
    metadata: decodeImmutableMetadataExtension(
      required(extensions, ExtensionType.ImmutableMetadata, 'metadata'),
    ),
    mutableMetadata: decodeMutableMetadata(
      required(extensions, ExtensionType.MutableMetadata, 'mutable metadata'),
    ),
    membership: decodeGroupMembership(required(extensions, ExtensionType.GroupMembership, 'membership')),
    policies: decodeGroupPermissions(required(extensions, ExtensionType.GroupPermissions, 'permissions')),
  }
}
