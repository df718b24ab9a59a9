/**
 * Protobuf decoding of the GetInboxIds request and encoding of its answer, the mix's most frequent rpc
 * (65%), without the generated code's intermediate objects. Request: `GetInboxIdsRequest { repeated
 * Request requests = 1 }`, `Request { string identifier = 1; IdentifierKind identifier_kind = 2 }`; answer,
 * written straight into one buffer: `GetInboxIdsResponse { repeated Response responses = 1 }`, `Response { string identifier = 1;
 * optional string inbox_id = 2; IdentifierKind identifier_kind = 3 }` (identity/api/v1/identity.proto).
 *
 * The bytes are exactly those of the generated protobuf code (inboxIdsWire.test.ts checks): fields in
 * number order, `identifier` left out when empty, `inbox_id` written whenever present (proto3 optional,
 * even empty), `identifier_kind` never written (node-go leaves it 0, §3.11). The generated code builds a
 * props object per response, a writer with an operation object per field and a fork per message; this
 * writes the fields into one exactly sized array. Strings that are not plain ASCII (never an address or an
 * inbox id, but a client may send anything) go through the generated code, so their UTF-8 is its UTF-8.
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import type { InboxIdResult } from './types.ts'
import { varintSize, writeVarint } from './varint.ts'

const ident = xmtp.identity.api.v1

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false
  return true
}

function writeAscii(out: Uint8Array, at: number, tag: number, s: string): number {
  out[at++] = tag
  at = writeVarint(out, at, s.length)
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i)
  return at
}

/** Size of one `Response` body (ASCII strings: one byte per character). */
function responseSize(r: InboxIdResult): number {
  let n = 0
  if (r.identifier.length > 0) n += 1 + varintSize(r.identifier.length) + r.identifier.length
  if (r.inboxId !== undefined) n += 1 + varintSize(r.inboxId.length) + r.inboxId.length
  return n
}

/** What the generated code writes for the same answers (and the path for non-ASCII strings). */
export function generatedGetInboxIdsResponse(results: readonly InboxIdResult[]): Uint8Array {
  return ident.GetInboxIdsResponse.encode({
    responses: results.map((r) =>
      r.inboxId === undefined
        ? { identifier: r.identifier }
        : { identifier: r.identifier, inboxId: r.inboxId },
    ),
  }).finish()
}

/** Encodes a `GetInboxIdsResponse`. */
export function encodeGetInboxIdsResponse(results: readonly InboxIdResult[]): Uint8Array {
  let total = 0
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as InboxIdResult
    if (!isAscii(r.identifier) || (r.inboxId !== undefined && !isAscii(r.inboxId))) {
      return generatedGetInboxIdsResponse(results)
    }
    const body = responseSize(r)
    total += 1 + varintSize(body) + body
  }
  const out = new Uint8Array(total)
  let at = 0
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as InboxIdResult
    out[at++] = 0x0a // responses = 1
    at = writeVarint(out, at, responseSize(r))
    if (r.identifier.length > 0) at = writeAscii(out, at, 0x0a, r.identifier)
    if (r.inboxId !== undefined) at = writeAscii(out, at, 0x12, r.inboxId)
  }
  return out
}

/** One identifier asked for. */
export interface InboxIdRequest {
  readonly identifier: string
  readonly identifierKind: number
}

const ascii = new TextDecoder()

/** Where the last {@link readLength} stopped. */
let lengthEnd = 0

/** Reads a varint below 2^28 at `at` (setting {@link lengthEnd}); -1 past `end` or for a longer varint. */
function readLength(bytes: Uint8Array, at: number, end: number): number {
  let value = 0
  for (let shift = 0; shift < 28; shift += 7) {
    if (at >= end) return -1
    const b = bytes[at++] as number
    value |= (b & 0x7f) << shift
    if (b < 0x80) {
      lengthEnd = at
      return value
    }
  }
  return -1
}

/**
 * The requests of a `GetInboxIdsRequest` in the shape every client writes (each `Request` an ASCII
 * `identifier` then a one-byte `identifier_kind`, either left out when default, nothing else), read in
 * place; `undefined` for any other shape (unknown or repeated fields, other wire types, non-ASCII
 * strings, truncation), which the caller decodes with the generated code instead.
 */
export function decodeCanonical(bytes: Uint8Array): InboxIdRequest[] | undefined {
  const out: InboxIdRequest[] = []
  let at = 0
  while (at < bytes.length) {
    if (bytes[at++] !== 0x0a) return undefined
    const len = readLength(bytes, at, bytes.length)
    if (len < 0 || lengthEnd + len > bytes.length) return undefined
    at = lengthEnd
    const end = at + len
    let identifier = ''
    let identifierKind = 0
    if (at < end && bytes[at] === 0x0a) {
      const slen = readLength(bytes, at + 1, end)
      if (slen < 0 || lengthEnd + slen > end) return undefined
      const from = lengthEnd
      const to = from + slen
      for (let i = from; i < to; i++) if ((bytes[i] as number) >= 0x80) return undefined
      identifier = ascii.decode(bytes.subarray(from, to))
      at = to
    }
    if (at < end && bytes[at] === 0x10) {
      if (at + 2 > end || (bytes[at + 1] as number) >= 0x80) return undefined
      identifierKind = bytes[at + 1] as number
      at += 2
    }
    if (at !== end) return undefined
    out.push({ identifier, identifierKind })
  }
  return out
}

/**
 * Decodes a `GetInboxIdsRequest` into its identifiers: the same values as the generated code (which
 * decodes every shape {@link decodeCanonical} leaves, and throws its `Proto::` errors for malformed bytes).
 */
export function decodeGetInboxIdsRequest(bytes: Uint8Array): InboxIdRequest[] {
  return decodeCanonical(bytes) ?? generatedGetInboxIdsRequest(bytes)
}

/** What the generated code decodes (and the path for every shape but the canonical one). */
export function generatedGetInboxIdsRequest(bytes: Uint8Array): InboxIdRequest[] {
  return decodeMessage(ident.GetInboxIdsRequest, bytes).requests.map((r) => ({
    identifier: r.identifier ?? '',
    identifierKind: r.identifierKind ?? 0,
  }))
}
