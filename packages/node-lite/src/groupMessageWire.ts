/**
 * Protobuf encoding of the node's hottest answers, written straight into one buffer: `GroupMessage`
 * (mls/api/v1/mls.proto: `GroupMessage { V1 v1 = 1 }`, `V1 { uint64 id = 1; uint64 created_ns = 2;
 * bytes group_id = 3; bytes data = 4; bytes sender_hmac = 5; bool should_push = 6; bool is_commit = 7 }`)
 * and `QueryGroupMessagesResponse { repeated GroupMessage messages = 1; PagingInfo paging_info = 2 }`
 * (`PagingInfo { SortDirection direction = 1; uint32 limit = 2; uint64 id_cursor = 3 }`).
 *
 * The bytes are exactly those of the generated protobuf code (proto3: a field at its default value is left
 * out, fields in number order, `paging_info` always present), which groupMessageWire.test.ts checks. The
 * generated code builds a list of write operations, a Long per 64-bit field and a props object per
 * message; a page of 100 messages allocated ~100 KB that way, most of a QueryGroupMessages call's garbage
 * (mix.bench.ts allocation profile), and garbage is what the young-generation collector pauses for.
 * @module
 */
import { GroupRowFields, type StoredEntry } from './store/store.ts'
import type { GroupMessage, Page, PagingInfo } from './types.ts'
import {
  bigVarintSize,
  varint64Size,
  varintSize,
  writeBigVarint,
  writeVarint,
  writeVarint64,
} from './varint.ts'

function writeBytesField(out: Uint8Array, at: number, tag: number, bytes: Uint8Array): number {
  out[at++] = tag
  at = writeVarint(out, at, bytes.length)
  out.set(bytes, at)
  return at + bytes.length
}

/** Size of `V1`'s body (without its own tag and length). */
function v1Size(m: GroupMessage): number {
  let n = 0
  if (m.id !== 0) n += 1 + varintSize(m.id)
  if (m.createdNs !== 0n) n += 1 + bigVarintSize(m.createdNs)
  if (m.groupId.length > 0) n += 1 + varintSize(m.groupId.length) + m.groupId.length
  if (m.data.length > 0) n += 1 + varintSize(m.data.length) + m.data.length
  if (m.senderHmac.length > 0) n += 1 + varintSize(m.senderHmac.length) + m.senderHmac.length
  if (m.shouldPush) n += 2
  if (m.isCommit) n += 2
  return n
}

/** Size of `GroupMessage`'s body, given its V1 body size. */
function groupMessageSize(v1: number): number {
  return 1 + varintSize(v1) + v1
}

function writeGroupMessage(out: Uint8Array, at: number, m: GroupMessage, v1: number): number {
  out[at++] = 0x0a // v1 = 1, length-delimited
  at = writeVarint(out, at, v1)
  if (m.id !== 0) {
    out[at++] = 0x08
    at = writeVarint(out, at, m.id)
  }
  if (m.createdNs !== 0n) {
    out[at++] = 0x10
    at = writeBigVarint(out, at, m.createdNs)
  }
  if (m.groupId.length > 0) at = writeBytesField(out, at, 0x1a, m.groupId)
  if (m.data.length > 0) at = writeBytesField(out, at, 0x22, m.data)
  if (m.senderHmac.length > 0) at = writeBytesField(out, at, 0x2a, m.senderHmac)
  if (m.shouldPush) {
    out[at++] = 0x30
    out[at++] = 1
  }
  if (m.isCommit) {
    out[at++] = 0x38
    out[at++] = 1
  }
  return at
}

/** Encodes one `GroupMessage` (a stream's item). */
export function encodeGroupMessage(m: GroupMessage): Uint8Array {
  const v1 = v1Size(m)
  const out = new Uint8Array(groupMessageSize(v1))
  writeGroupMessage(out, 0, m, v1)
  return out
}

/**
 * Encodes a `GetNewestGroupMessageResponse` (`repeated Response responses = 1`, `Response { GroupMessage
 * group_message = 1 }`): one response per asked group, empty where the group has no message.
 */
export function encodeGetNewestGroupMessageResponse(
  newest: readonly (GroupMessage | undefined)[],
): Uint8Array {
  const sizes = new Array<number>(newest.length)
  let total = 0
  for (let i = 0; i < newest.length; i++) {
    const m = newest[i]
    if (m === undefined) {
      total += 2
      continue
    }
    const v1 = v1Size(m)
    sizes[i] = v1
    const message = groupMessageSize(v1)
    const response = 1 + varintSize(message) + message
    total += 1 + varintSize(response) + response
  }
  const out = new Uint8Array(total)
  let at = 0
  for (let i = 0; i < newest.length; i++) {
    const m = newest[i]
    out[at++] = 0x0a // responses = 1
    if (m === undefined) {
      out[at++] = 0
      continue
    }
    const v1 = sizes[i] as number
    const message = groupMessageSize(v1)
    at = writeVarint(out, at, 1 + varintSize(message) + message)
    out[at++] = 0x0a // group_message = 1
    at = writeVarint(out, at, message)
    at = writeGroupMessage(out, at, m, v1)
  }
  return out
}

/** Size of `PagingInfo`'s body. `direction` is an enum (int32): its values here are 0..2, never negative. */
function pagingSize(p: PagingInfo): number {
  let n = 0
  if (p.direction !== 0) n += 1 + varintSize(p.direction)
  if (p.limit !== 0) n += 1 + varintSize(p.limit)
  if (p.idCursor !== 0) n += 1 + varintSize(p.idCursor)
  return n
}

/** Writes `paging_info = 2` of a response. */
function writePaging(out: Uint8Array, at: number, p: PagingInfo, size: number): number {
  out[at++] = 0x12
  at = writeVarint(out, at, size)
  if (p.direction !== 0) {
    out[at++] = 0x08
    at = writeVarint(out, at, p.direction)
  }
  if (p.limit !== 0) {
    out[at++] = 0x10
    at = writeVarint(out, at, p.limit)
  }
  if (p.idCursor !== 0) {
    out[at++] = 0x18
    at = writeVarint(out, at, p.idCursor)
  }
  return at
}

/** Encodes a `QueryGroupMessagesResponse`. */
export function encodeQueryGroupMessagesResponse(page: Page<GroupMessage>): Uint8Array {
  const { items, pagingInfo } = page
  const sizes = new Array<number>(items.length)
  let total = 0
  for (let i = 0; i < items.length; i++) {
    const v1 = v1Size(items[i] as GroupMessage)
    sizes[i] = v1
    const body = groupMessageSize(v1)
    total += 1 + varintSize(body) + body
  }
  const paging = pagingSize(pagingInfo)
  total += 1 + varintSize(paging) + paging
  const out = new Uint8Array(total)
  let at = 0
  for (let i = 0; i < items.length; i++) {
    const v1 = sizes[i] as number
    out[at++] = 0x0a // messages = 1
    at = writeVarint(out, at, groupMessageSize(v1))
    at = writeGroupMessage(out, at, items[i] as GroupMessage, v1)
  }
  writePaging(out, at, pagingInfo, paging)
  return out
}

/** Size of `V1`'s body for a stored row of group `groupId`. */
function rowV1Size(f: GroupRowFields, groupId: Uint8Array): number {
  let n = 0
  if (f.id !== 0) n += 1 + varintSize(f.id)
  if (f.createdHigh !== 0 || f.createdLow !== 0) n += 1 + varint64Size(f.createdHigh, f.createdLow)
  if (groupId.length > 0) n += 1 + varintSize(groupId.length) + groupId.length
  const data = f.dataEnd - f.dataStart
  if (data > 0) n += 1 + varintSize(data) + data
  const hmac = f.senderHmacEnd - f.senderHmacStart
  if (hmac > 0) n += 1 + varintSize(hmac) + hmac
  if (f.shouldPush) n += 2
  if (f.isCommit) n += 2
  return n
}

function writeRowSlice(
  out: Uint8Array,
  at: number,
  tag: number,
  value: Uint8Array,
  start: number,
  end: number,
) {
  out[at++] = tag
  at = writeVarint(out, at, end - start)
  // Short slices byte by byte: `subarray` would allocate a view (a Buffer, from classic-level) per field.
  if (end - start > 512) {
    out.set(value.subarray(start, end), at)
    return at + end - start
  }
  for (let i = start; i < end; i++) out[at++] = value[i] as number
  return at
}

function writeGroupRow(out: Uint8Array, at: number, f: GroupRowFields, groupId: Uint8Array, v1: number) {
  out[at++] = 0x0a // v1 = 1, length-delimited
  at = writeVarint(out, at, v1)
  if (f.id !== 0) {
    out[at++] = 0x08
    at = writeVarint(out, at, f.id)
  }
  if (f.createdHigh !== 0 || f.createdLow !== 0) {
    out[at++] = 0x10
    at = writeVarint64(out, at, f.createdHigh, f.createdLow)
  }
  if (groupId.length > 0) at = writeBytesField(out, at, 0x1a, groupId)
  if (f.dataEnd > f.dataStart) at = writeRowSlice(out, at, 0x22, f.value, f.dataStart, f.dataEnd)
  if (f.senderHmacEnd > f.senderHmacStart) {
    at = writeRowSlice(out, at, 0x2a, f.value, f.senderHmacStart, f.senderHmacEnd)
  }
  if (f.shouldPush) {
    out[at++] = 0x30
    out[at++] = 1
  }
  if (f.isCommit) {
    out[at++] = 0x38
    out[at++] = 1
  }
  return at
}

/**
 * Encodes a `QueryGroupMessagesResponse` straight from a page of stored rows of group `groupId`
 * (`NodeStore.queryGroupRows`): the same bytes as {@link encodeQueryGroupMessagesResponse} of the
 * decoded page, with no object per row. A truncated row is `Node::StorageFailure`.
 */
export function encodeGroupRowsResponse(
  groupId: Uint8Array,
  rows: readonly StoredEntry[],
  pagingInfo: PagingInfo,
): Uint8Array {
  const f = new GroupRowFields()
  const sizes = new Array<number>(rows.length)
  let total = 0
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as StoredEntry
    const v1 = rowV1Size(f.read(row[0], row[1]), groupId)
    sizes[i] = v1
    const body = groupMessageSize(v1)
    total += 1 + varintSize(body) + body
  }
  const paging = pagingSize(pagingInfo)
  total += 1 + varintSize(paging) + paging
  const out = new Uint8Array(total)
  let at = 0
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as StoredEntry
    const v1 = sizes[i] as number
    out[at++] = 0x0a // messages = 1
    at = writeVarint(out, at, groupMessageSize(v1))
    at = writeGroupRow(out, at, f.read(row[0], row[1]), groupId, v1)
  }
  writePaging(out, at, pagingInfo, paging)
  return out
}
