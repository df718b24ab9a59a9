/**
 * Group persistence through a storage port, without re-encoding the whole group per message.
 *
 * A group is stored as one *epoch record*, written when the epoch (or anything but the message ratchets)
 * changes, plus *ratchet records*: one small record per secret-tree node whose sender ratchet moved since
 * the epoch record, keyed by epoch and node. An application message sent or received moves exactly one
 * ratchet, so persisting it writes one record of a few dozen bytes, whatever the group size (a 500-member
 * state is about 1 MiB and 0.2 s to encode: protocol/ts-mls-assessment.md §4).
 *
 * Record layouts (all values start with a format byte, 0x01):
 * - `<groupIdHex>/epoch`: 0x01 ‖ ts-mls `encodeGroupState` of the whole state.
 * - `<groupIdHex>/r/<epoch>/<nodeIndex>`: 0x01 ‖ ts-mls `SecretTreeNode` encoding.
 * @module
 */
import { toHex } from '@xmtp-lite/common'
import type { ClientState, GroupState } from 'ts-mls'
import { decodeGroupState, encodeGroupState } from 'ts-mls'
import { encode } from 'ts-mls/codec/tlsEncoder.js'
import {
  decodeSecretTreeNode,
  type SecretTree,
  type SecretTreeNode,
  secretTreeNodeEncoder,
} from 'ts-mls/secretTree.js'
import { MlsError } from './errors.ts'
import { internal, type MlsGroup, xmtpClientConfig } from './group.ts'
import { xmtpSuite } from './suite.ts'

/** A key-value store for group states (a database table, IndexedDB, a Map in tests). */
export interface MlsStorage {
  get(key: string): Promise<Uint8Array | undefined>
  /** Every entry whose key starts with `prefix`. */
  list(prefix: string): Promise<ReadonlyArray<readonly [string, Uint8Array]>>
  /** Applies puts and deletes atomically. */
  write(batch: {
    readonly put: ReadonlyArray<readonly [string, Uint8Array]>
    readonly delete: readonly string[]
  }): Promise<void>
}

const formatVersion = 0x01
const encodeNode = encode(secretTreeNodeEncoder)

function prefixOf(groupId: Uint8Array): string {
  return `${toHex(groupId)}/`
}

interface Saved {
  /** The state as last persisted. */
  readonly state: ClientState
  /** Ratchet-record keys written since the epoch record. */
  readonly ratchetKeys: Set<string>
}

/** Whether two states differ only in their secret trees (the per-message part). */
function onlyRatchetsChanged(a: ClientState, b: ClientState): boolean {
  if (
    a.groupContext !== b.groupContext ||
    a.keySchedule !== b.keySchedule ||
    a.ratchetTree !== b.ratchetTree ||
    a.privatePath !== b.privatePath ||
    a.unappliedProposals !== b.unappliedProposals ||
    a.confirmationTag !== b.confirmationTag ||
    a.groupActiveState !== b.groupActiveState ||
    a.secretTree.length !== b.secretTree.length
  ) {
    return false
  }
  if (a.historicalReceiverData.size !== b.historicalReceiverData.size) return false
  for (const [epoch, data] of a.historicalReceiverData) {
    const other = b.historicalReceiverData.get(epoch)
    if (
      other === undefined ||
      other.ratchetTree !== data.ratchetTree ||
      other.groupContext !== data.groupContext
    ) {
      return false
    }
  }
  return true
}

function changedNodes(before: SecretTree, after: SecretTree): number[] {
  const out: number[] = []
  for (let i = 0; i < after.length; i++) if (before[i] !== after[i]) out.push(i)
  return out
}

function encodeEpochRecord(state: ClientState): Uint8Array {
  const { clientConfig: _config, ...groupState } = state
  const body = encodeGroupState(groupState as GroupState)
  const out = new Uint8Array(body.length + 1)
  out[0] = formatVersion
  out.set(body, 1)
  return out
}

function encodeRatchetRecord(node: SecretTreeNode): Uint8Array {
  const body = encodeNode(node)
  const out = new Uint8Array(body.length + 1)
  out[0] = formatVersion
  out.set(body, 1)
  return out
}

/**
 * Persists groups incrementally: the first save of a group (and every save after a commit) writes the epoch
 * record; saves after application messages write only the ratchet records that moved.
 */
export class GroupStore {
  readonly #storage: MlsStorage
  readonly #saved = new WeakMap<MlsGroup, Saved>()

  constructor(storage: MlsStorage) {
    this.#storage = storage
  }

  /**
   * Persists `group` as it is now.
   * @throws {MlsError} `Mls::StorageFailed` when the port fails.
   */
  async save(group: MlsGroup): Promise<void> {
    const state = internal.state(group)
    const saved = this.#saved.get(group)
    const prefix = prefixOf(state.groupContext.groupId)
    if (saved !== undefined && saved.state === state) return
    if (saved !== undefined && onlyRatchetsChanged(saved.state, state)) {
      const put: [string, Uint8Array][] = []
      const epoch = state.groupContext.epoch
      for (const node of changedNodes(saved.state.secretTree, state.secretTree)) {
        const value = state.secretTree[node]
        if (value !== undefined) put.push([`${prefix}r/${epoch}/${node}`, encodeRatchetRecord(value)])
      }
      for (const [past, data] of state.historicalReceiverData) {
        const before = saved.state.historicalReceiverData.get(past)
        if (before === undefined) continue
        for (const node of changedNodes(before.secretTree, data.secretTree)) {
          const value = data.secretTree[node]
          if (value !== undefined) put.push([`${prefix}r/${past}/${node}`, encodeRatchetRecord(value)])
        }
      }
      await this.#write(put, [])
      for (const [key] of put) saved.ratchetKeys.add(key)
      this.#saved.set(group, { state, ratchetKeys: saved.ratchetKeys })
      return
    }
    // A new epoch record supersedes every ratchet record.
    const stale =
      saved === undefined ? (await this.#list(`${prefix}r/`)).map(([key]) => key) : [...saved.ratchetKeys]
    await this.#write([[`${prefix}epoch`, encodeEpochRecord(state)]], stale)
    this.#saved.set(group, { state, ratchetKeys: new Set() })
  }

  /**
   * Loads the group with id `groupId`, or `undefined` when none is stored.
   * @throws {MlsError} `Mls::StateMalformed` on records that do not decode; `Mls::StorageFailed`.
   */
  async load(groupId: Uint8Array): Promise<MlsGroup | undefined> {
    const prefix = prefixOf(groupId)
    let record: Uint8Array | undefined
    try {
      record = await this.#storage.get(`${prefix}epoch`)
    } catch (cause) {
      throw new MlsError('Mls::StorageFailed', 'the storage port failed to read', { cause })
    }
    if (record === undefined) return undefined
    if (record[0] !== formatVersion) {
      throw new MlsError('Mls::StateMalformed', 'unknown group-state format version', {
        details: `${record[0]}`,
      })
    }
    let decoded: [GroupState, number] | undefined
    try {
      decoded = decodeGroupState(record.subarray(1), 0)
    } catch (cause) {
      throw new MlsError('Mls::StateMalformed', 'the stored group state does not decode', { cause })
    }
    if (decoded === undefined || decoded[1] !== record.length - 1) {
      throw new MlsError('Mls::StateMalformed', 'the stored group state does not decode')
    }
    const base: GroupState = decoded[0]
    const ratchets = await this.#list(`${prefix}r/`)
    let secretTree = base.secretTree
    const historical = new Map(base.historicalReceiverData)
    for (const [key, value] of ratchets) {
      const [, epochText, nodeText] = key.slice(prefix.length).split('/')
      const node = decodeRatchetRecord(value)
      const epoch = BigInt(epochText ?? '-1')
      const index = Number(nodeText)
      if (epoch === base.groupContext.epoch) {
        if (secretTree === base.secretTree) secretTree = secretTree.slice()
        secretTree[index] = node
      } else {
        const data = historical.get(epoch)
        if (data === undefined) continue
        const tree = data.secretTree.slice()
        tree[index] = node
        historical.set(epoch, { ...data, secretTree: tree })
      }
    }
    const state: ClientState = {
      ...base,
      secretTree,
      historicalReceiverData: historical,
      clientConfig: xmtpClientConfig(),
    }
    const group = internal.fromState(state, await xmtpSuite())
    this.#saved.set(group, { state, ratchetKeys: new Set(ratchets.map(([key]) => key)) })
    return group
  }

  async #list(prefix: string): Promise<ReadonlyArray<readonly [string, Uint8Array]>> {
    try {
      return await this.#storage.list(prefix)
    } catch (cause) {
      throw new MlsError('Mls::StorageFailed', 'the storage port failed to list', { cause })
    }
  }

  async #write(put: ReadonlyArray<readonly [string, Uint8Array]>, del: readonly string[]): Promise<void> {
    try {
      await this.#storage.write({ put, delete: del })
    } catch (cause) {
      throw new MlsError('Mls::StorageFailed', 'the storage port failed to write', { cause })
    }
  }
}

function decodeRatchetRecord(value: Uint8Array): SecretTreeNode {
  if (value[0] !== formatVersion) throw new MlsError('Mls::StateMalformed', 'unknown ratchet-record format')
  let decoded: [SecretTreeNode, number] | undefined
  try {
    decoded = decodeSecretTreeNode(value.subarray(1), 0)
  } catch (cause) {
    throw new MlsError('Mls::StateMalformed', 'a ratchet record does not decode', { cause })
  }
  if (decoded === undefined || decoded[1] !== value.length - 1) {
    throw new MlsError('Mls::StateMalformed', 'a ratchet record does not decode')
  }
  return decoded[0]
}

/** A {@link MlsStorage} on a `Map`, for tests and ephemeral clients. */
export function memoryStorage(): MlsStorage & { readonly entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>()
  return {
    entries,
    async get(key) {
      return entries.get(key)
    },
    async list(prefix) {
      return [...entries].filter(([key]) => key.startsWith(prefix))
    },
    async write(batch) {
      for (const key of batch.delete) entries.delete(key)
      for (const [key, value] of batch.put) entries.set(key, value)
    },
  }
}
