/**
 * The key layout of the node's level database (documented in the package README, "Key layout").
 *
 * Every key is bytes. The first byte names a table; topic tables continue with a 2-byte big-endian length,
 * the topic bytes and an 8-byte big-endian id, so that one topic's rows are one contiguous key range sorted
 * by id (the per-topic index `(group_id, id)` of node-go's Postgres schema, §3.1).
 * @module
 */

/** The first byte of a key. */
export const Tag = {
  /** `01 | len16 | group_id | id64` → group message row. */
  GroupMessage: 0x01,
  /** `02 | len16 | installation_key | id64` → welcome row (V1 or pointer). */
  Welcome: 0x02,
  /** `03 | len16 | inbox_id (hex-decoded) | seq64` → identity update row. */
  InboxLog: 0x03,
  /** `04 | len16 | address (UTF-8) | association_seq64` → address-log row (inbox id, revocation seq). */
  AddressLog: 0x04,
  /** `05 | len16 | installation_key` → the installation's latest key package. */
  Installation: 0x05,
  /** `06 | id64` → key-package history row (installation key, key package). */
  KeyPackageHistory: 0x06,
  /** `07 | len16 | group_id | id64` → commit-log row. */
  CommitLog: 0x07,
  /**
   * `08 | len16 | address (UTF-8)` → the address's current inbox id (hex, UTF-8): the inbox of its unrevoked
   * address-log row with the highest association sequence id; absent when it has none. Derived from the
   * address log in the same batch that changes it (layout version 2), so GetInboxIds is one point read.
   */
  AddressInbox: 0x08,
  /**
   * `09 | len16 | group_id` → the id (u64) of the group's newest message, written in the batch that stores
   * it. A group last written before this key existed has none, and retention may delete the row it names:
   * then the newest row is read from the group's range instead.
   */
  NewestGroupMessage: 0x09,
  /** `10 | table tag | sha256` → id: the dedup index (node-go's unique hash columns). */
  Hash: 0x10,
  /** `11 | created_ms64 | id64` → group id: expiry index of application messages (retention). */
  Expiry: 0x11,
  /** `20 | table tag` → last id assigned in that table (u64), written in the same batch as the rows. */
  Counter: 0x20,
  /** `21 | name` → metadata (layout version). */
  Meta: 0x21,
} as const

/** The tables that own an id sequence. */
export type SequencedTag =
  | typeof Tag.GroupMessage
  | typeof Tag.Welcome
  | typeof Tag.InboxLog
  | typeof Tag.KeyPackageHistory
  | typeof Tag.CommitLog

/** Every sequenced table, in a fixed order. */
export const sequencedTags: readonly SequencedTag[] = [
  Tag.GroupMessage,
  Tag.Welcome,
  Tag.InboxLog,
  Tag.KeyPackageHistory,
  Tag.CommitLog,
]

/** The largest id (2^53 - 1): ids are JS numbers. */
const maxId = Number.MAX_SAFE_INTEGER

/** Writes `value` (0 ≤ value ≤ 2^53-1, or a bigint < 2^64) big-endian at `offset`. */
export function writeU64(out: Uint8Array, offset: number, value: number | bigint): void {
  const v = BigInt(value)
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  view.setBigUint64(offset, v)
}

/** Reads a big-endian u64 at `offset` as a bigint. */
export function readU64(bytes: Uint8Array, offset: number): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return view.getBigUint64(offset)
}

/** `tag | len16 | topic`: the prefix of one topic's rows. */
export function topicPrefix(tag: number, topic: Uint8Array): Uint8Array {
  const out = new Uint8Array(3 + topic.length)
  out[0] = tag
  out[1] = topic.length >>> 8
  out[2] = topic.length & 0xff
  out.set(topic, 3)
  return out
}

/** `tag | len16 | topic | id64`: one row of a topic table. */
export function topicKey(tag: number, topic: Uint8Array, id: number): Uint8Array {
  const out = new Uint8Array(3 + topic.length + 8)
  out[0] = tag
  out[1] = topic.length >>> 8
  out[2] = topic.length & 0xff
  out.set(topic, 3)
  writeU64(out, 3 + topic.length, id)
  return out
}

/** The id at the end of a topic key. */
export function idOfTopicKey(key: Uint8Array): number {
  return Number(readU64(key, key.length - 8))
}

/** The topic bytes of a topic key. */
export function topicOfTopicKey(key: Uint8Array): Uint8Array {
  const len = ((key[1] as number) << 8) | (key[2] as number)
  return key.subarray(3, 3 + len)
}

/** Bounds for reading one topic's rows with ids strictly between `after` and `before`. */
export function topicRange(
  tag: number,
  topic: Uint8Array,
  after: number,
  before: number | undefined,
): { gt: Uint8Array; lt: Uint8Array } {
  return { gt: topicKey(tag, topic, after), lt: topicKey(tag, topic, before ?? maxId) }
}

/** `10 | table | sha256`. */
export function hashKey(tag: number, digest: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + digest.length)
  out[0] = Tag.Hash
  out[1] = tag
  out.set(digest, 2)
  return out
}

/** `11 | created_ms64 | id64`. */
export function expiryKey(createdMs: number, id: number): Uint8Array {
  const out = new Uint8Array(17)
  out[0] = Tag.Expiry
  writeU64(out, 1, createdMs)
  writeU64(out, 9, id)
  return out
}

/** `21 | name`. */
export function metaKey(name: string): Uint8Array {
  const text = new TextEncoder().encode(name)
  const out = new Uint8Array(1 + text.length)
  out[0] = Tag.Meta
  out.set(text, 1)
  return out
}

/** `20 | table`. */
export function counterKey(tag: SequencedTag): Uint8Array {
  return new Uint8Array([Tag.Counter, tag])
}

/** `06 | id64`. */
export function keyPackageHistoryKey(id: number): Uint8Array {
  const out = new Uint8Array(9)
  out[0] = Tag.KeyPackageHistory
  writeU64(out, 1, id)
  return out
}

/** A u64 value as 8 bytes. */
export function u64Bytes(value: number | bigint): Uint8Array {
  const out = new Uint8Array(8)
  writeU64(out, 0, value)
  return out
}
