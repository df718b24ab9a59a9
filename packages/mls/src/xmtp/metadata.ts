/**
 * Group metadata helpers: the immutable GroupMetadataV1 of a group or DM, the mutable metadata libxmtp
 * writes at creation, the changes libxmtp's intents make to it (one attribute, one admin-list edit), the
 * diff a commit validator reads, length limits, disappearing-message settings, the DM id, and the semver
 * comparison behind `minimum_supported_protocol_version` (mls-groups.md §4.4, §4.5, §7.2, §7.3, §8.7, §9, §11).
 * @module
 */
import { utf8ToBytes } from '@xmtp-lite/common'
import { MlsError } from '../errors.ts'
import {
  ConversationType,
  type ConversationTypeValue,
  METADATA_MAX_BYTES,
  MetadataField,
} from './constants.ts'
import type { DmMembers, GroupMetadata, GroupMutableMetadata } from './types.ts'

/** Parameters of {@link buildGroupMetadata}. */
export interface BuildGroupMetadataParams {
  readonly conversationType: ConversationTypeValue
  readonly creatorInboxId: string
  /** Required for DMs, refused otherwise: the DM's other member. */
  readonly dmPeerInboxId?: string
}

/**
 * The immutable metadata libxmtp writes at creation (mls-groups.md §4.4, §9): `creator_account_address` is
 * "", and a DM records `{one: creator, two: peer}`.
 * @throws {MlsError} `Mls::InvalidArgument` when a DM lacks its peer or a non-DM has one.
 */
export function buildGroupMetadata(params: BuildGroupMetadataParams): GroupMetadata {
  const { conversationType, creatorInboxId, dmPeerInboxId } = params
  if ((conversationType === ConversationType.Dm) !== (dmPeerInboxId !== undefined)) {
    throw new MlsError('Mls::InvalidArgument', 'a DM needs exactly its peer inbox id, other groups none')
  }
  if (dmPeerInboxId === undefined) return { conversationType, creatorInboxId, creatorAccountAddress: '' }
  return {
    conversationType,
    creatorInboxId,
    creatorAccountAddress: '',
    dmMembers: { memberOneInboxId: creatorInboxId, memberTwoInboxId: dmPeerInboxId },
  }
}

/** Parameters of {@link buildMutableMetadata}. */
export interface BuildMutableMetadataParams {
  readonly conversationType: ConversationTypeValue
  readonly creatorInboxId: string
  readonly name?: string
  readonly description?: string
  readonly imageUrlSquare?: string
  /** Groups only (DMs carry no `app_data` key). */
  readonly appData?: string
  /** Disappearing messages: both written as decimal strings when given. */
  readonly disappearing?: { readonly fromNs: bigint; readonly inNs: bigint }
  /** Hex of the 32-byte commit-log signer secret, written as `_commit_log_signer` when given. */
  readonly commitLogSigner?: string
}

/**
 * The mutable metadata libxmtp writes at creation (mls-groups.md §4.5, §9): name, description and image URL
 * (default ""), `app_data` for groups only, disappearing settings when set, `_commit_log_signer` when given;
 * groups start with the creator as the only super admin, DMs with both lists empty.
 */
export function buildMutableMetadata(params: BuildMutableMetadataParams): GroupMutableMetadata {
  const isDm = params.conversationType === ConversationType.Dm
  const attributes = new Map<string, string>([
    [MetadataField.GroupName, params.name ?? ''],
    [MetadataField.Description, params.description ?? ''],
    [MetadataField.GroupImageUrlSquare, params.imageUrlSquare ?? ''],
  ])
  if (!isDm) attributes.set(MetadataField.AppData, params.appData ?? '')
  if (params.disappearing !== undefined) {
    attributes.set(MetadataField.MessageDisappearFromNs, params.disappearing.fromNs.toString())
    attributes.set(MetadataField.MessageDisappearInNs, params.disappearing.inNs.toString())
  }
  if (params.commitLogSigner !== undefined)
    attributes.set(MetadataField.CommitLogSigner, params.commitLogSigner)
  return {
    attributes,
    adminList: [],
    superAdminList: isDm ? [] : [params.creatorInboxId],
  }
}

/** One change of libxmtp's metadata and admin-list intents (mls-groups.md §7.2): one field or one list edit. */
export type MutableMetadataChange =
  | { readonly type: 'setAttribute'; readonly field: string; readonly value: string }
  | {
      readonly type: 'addAdmin' | 'removeAdmin' | 'addSuperAdmin' | 'removeSuperAdmin'
      readonly inboxId: string
    }

/**
 * A copy of `metadata` with one change applied; the input is not modified.
 * @throws {MlsError} `Mls::InvalidArgument` when adding someone already listed or removing someone absent.
 */
export function applyMutableMetadataChange(
  metadata: GroupMutableMetadata,
  change: MutableMetadataChange,
): GroupMutableMetadata {
  if (change.type === 'setAttribute') {
    const attributes = new Map(metadata.attributes)
    attributes.set(change.field, change.value)
    return { ...metadata, attributes }
  }
  const key = change.type === 'addAdmin' || change.type === 'removeAdmin' ? 'adminList' : 'superAdminList'
  const list = metadata[key]
  const adding = change.type === 'addAdmin' || change.type === 'addSuperAdmin'
  if (adding === list.includes(change.inboxId)) {
    throw new MlsError(
      'Mls::InvalidArgument',
      `${change.type}: the inbox is ${adding ? 'already' : 'not'} listed`,
      {
        details: change.inboxId,
      },
    )
  }
  const next = adding ? [...list, change.inboxId] : list.filter((id) => id !== change.inboxId)
  return { ...metadata, [key]: next }
}

/** A changed attribute: absent old value = added, absent new value = deleted. */
export interface MetadataFieldChange {
  readonly field: string
  readonly oldValue?: string
  readonly newValue?: string
}

/** What a commit changes in the mutable metadata (libxmtp `MutableMetadataValidationInfo`, mls-groups.md §7.3 step 4). */
export interface MutableMetadataDiff {
  readonly fieldChanges: readonly MetadataFieldChange[]
  readonly adminsAdded: readonly string[]
  readonly adminsRemoved: readonly string[]
  readonly superAdminsAdded: readonly string[]
  readonly superAdminsRemoved: readonly string[]
  /** Size of the super-admin list after the change. */
  readonly superAdminCount: number
}

function listDiff(before: readonly string[], after: readonly string[]): [string[], string[]] {
  const old = new Set(before)
  const next = new Set(after)
  return [[...next].filter((id) => !old.has(id)), [...old].filter((id) => !next.has(id))]
}

/** The attribute and admin-list changes between two decoded mutable metadata values. */
export function diffMutableMetadata(
  before: GroupMutableMetadata,
  after: GroupMutableMetadata,
): MutableMetadataDiff {
  const fieldChanges: MetadataFieldChange[] = []
  const keys = new Set([...before.attributes.keys(), ...after.attributes.keys()])
  for (const field of keys) {
    const oldValue = before.attributes.get(field)
    const newValue = after.attributes.get(field)
    if (oldValue === newValue) continue
    fieldChanges.push({
      field,
      ...(oldValue === undefined ? {} : { oldValue }),
      ...(newValue === undefined ? {} : { newValue }),
    })
  }
  const [adminsAdded, adminsRemoved] = listDiff(before.adminList, after.adminList)
  const [superAdminsAdded, superAdminsRemoved] = listDiff(before.superAdminList, after.superAdminList)
  return {
    fieldChanges,
    adminsAdded,
    adminsRemoved,
    superAdminsAdded,
    superAdminsRemoved,
    superAdminCount: after.superAdminList.length,
  }
}

/**
 * Checks the UTF-8 byte length of new values against libxmtp's limits (mls-groups.md §7.3 step 5).
 * @throws {MlsError} `Mls::MetadataTooLong`
 */
export function assertMetadataLengths(changes: readonly MetadataFieldChange[]): void {
  for (const change of changes) {
    const limit = METADATA_MAX_BYTES[change.field]
    if (limit === undefined || change.newValue === undefined) continue
    const length = utf8ToBytes(change.newValue).length
    if (length > limit) {
      throw new MlsError('Mls::MetadataTooLong', `${change.field} exceeds ${limit} bytes`, {
        details: `${length} bytes`,
      })
    }
  }
}

/** Disappearing-message settings: enabled iff both values parse as i64 and are > 0 (mls-groups.md §11). */
export interface DisappearingSettings {
  readonly fromNs: bigint
  readonly inNs: bigint
}

const decimalI64 = /^-?\d{1,19}$/

function parseI64(value: string | undefined): bigint | undefined {
  if (value === undefined || !decimalI64.test(value)) return undefined
  const parsed = BigInt(value)
  return parsed >= -(1n << 63n) && parsed < 1n << 63n ? parsed : undefined
}

/** The group's disappearing-message settings, or undefined when disabled. */
export function disappearingSettings(metadata: GroupMutableMetadata): DisappearingSettings | undefined {
  const fromNs = parseI64(metadata.attributes.get(MetadataField.MessageDisappearFromNs))
  const inNs = parseI64(metadata.attributes.get(MetadataField.MessageDisappearInNs))
  if (fromNs === undefined || inNs === undefined || fromNs <= 0n || inNs <= 0n) return undefined
  return { fromNs, inNs }
}

/**
 * The DM stitching id: `"dm:"` and the two inbox ids, lowercased, sorted ascending, joined by `":"`
 * (mls-groups.md §9, group_metadata.rs Display for DmMembers).
 */
export function dmIdOf(members: DmMembers): string {
  const ids = [members.memberOneInboxId.toLowerCase(), members.memberTwoInboxId.toLowerCase()].sort()
  return `dm:${ids.join(':')}`
}

interface SemVer {
  readonly core: readonly [bigint, bigint, bigint]
  readonly pre: readonly string[]
}

const semverPattern =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/

function parseSemver(version: string): SemVer | undefined {
  const match = semverPattern.exec(version)
  if (match === null) return undefined
  return {
    core: [BigInt(match[1] as string), BigInt(match[2] as string), BigInt(match[3] as string)],
    pre: match[4] === undefined ? [] : match[4].split('.'),
  }
}

function compareIdentifiers(a: string, b: string): number {
  const aNum = /^\d+$/.test(a)
  const bNum = /^\d+$/.test(b)
  if (aNum && bNum) return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0
  if (aNum !== bNum) return aNum ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Compares two semver 2.0 versions (pre-releases sort before their release, numeric identifiers
 * numerically), as libxmtp's `LibXMTPVersion` does (mls-groups.md §8.7). Build metadata is ignored.
 * @returns negative, zero or positive.
 * @throws {MlsError} `Mls::InvalidArgument` when either is not a semver version.
 */
export function compareProtocolVersions(a: string, b: string): number {
  const left = parseSemver(a)
  const right = parseSemver(b)
  if (left === undefined || right === undefined) {
    throw new MlsError('Mls::InvalidArgument', 'not a semver version', {
      details: left === undefined ? a : b,
    })
  }
  for (let i = 0; i < 3; i++) {
    const x = left.core[i] as bigint
    const y = right.core[i] as bigint
    if (x !== y) return x < y ? -1 : 1
  }
  if (left.pre.length === 0 || right.pre.length === 0) return right.pre.length - left.pre.length
  const n = Math.min(left.pre.length, right.pre.length)
  for (let i = 0; i < n; i++) {
    const c = compareIdentifiers(left.pre[i] as string, right.pre[i] as string)
    if (c !== 0) return c
  }
  return left.pre.length - right.pre.length
}
