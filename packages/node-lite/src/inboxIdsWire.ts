/**
 * Protobuf encoding of the GetInboxIds answer, the mix's most frequent rpc (65%), written straight into one
 * buffer: `GetInboxIdsResponse { repeated Response responses = 1 }`, `Response { string identifier = 1;
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
import { xmtp } from '@xmtp-lite/proto'
import type { InboxIdResult } from './types.ts'

const ident = xmtp.identity.api.v1

/** Bytes of `value` as a varint (`value` a non-negative safe integer). */
function varintSize(value: number): number {
  let n = 1
  while (value >= 128) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    out[at++] = (value % 128) | 0x80
    value = Math.floor(value / 128)
  }
  out[at++] = value
  return at
}

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
