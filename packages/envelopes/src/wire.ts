/**
 * A small, strict protobuf wire codec for the few flat messages of the xmtpd envelope layers.
 *
 * Why not the generated protobufjs code: its decoders do not check wire types, accept truncated
 * length-delimited fields in some positions, and re-encode on the way out. Envelope layers are signed over
 * their exact bytes (protocol/xmtpd-network.md §1.1), so parsing here returns zero-copy views into the input
 * and never re-encodes, and every deviation from the wire format is an `Envelope::Malformed` error.
 *
 * Strictness beyond the protobuf spec, on purpose (signed data must have one meaning):
 * - a singular known field that occurs twice is rejected (protobuf would keep the last or merge);
 * - a uint32 field whose varint exceeds 2^32 - 1 is rejected (Go would truncate it);
 * - group wire types (3, 4) are rejected, even in unknown fields.
 * Unknown fields with a valid wire format are skipped, and stay inside the raw bytes that carry them.
 * @module
 */
import { EnvelopeError } from './errors.ts'

/** Protobuf wire types (protobuf encoding spec, "Message Structure"). */
export const WireType = { Varint: 0, Fixed64: 1, Len: 2, Fixed32: 5 } as const

/** How a known field is read. */
export type FieldKind = 'uint32' | 'uint64' | 'int64' | 'bytes' | 'message'

/** A known field's kind, keyed by field number. */
export type FieldSchema = Readonly<Record<number, FieldKind>>

/** A decoded field value: numbers for uint32, bigints for 64-bit, byte views for bytes and messages. */
export type FieldValue = number | bigint | Uint8Array

const MAX_FIELD_NUMBER = 0x1fffffff

function malformed(label: string, what: string, offset: number): EnvelopeError {
  return new EnvelopeError('Envelope::Malformed', `${label}: ${what}`, {
    details: `at byte offset ${offset}`,
  })
}

/** Reads a varint of at most 10 bytes at `pos`; returns [value, next]. Values above 2^53 come back as bigint. */
function readVarint(bytes: Uint8Array, pos: number, label: string): [number | bigint, number] {
  // Fast path: up to 4 bytes (28 bits) fit a small integer without overflow.
  let result = 0
  let shift = 0
  let i = pos
  for (; i < bytes.length && shift < 28; i++) {
    const b = bytes[i] as number
    result |= (b & 0x7f) << shift
    if (b < 0x80) return [result >>> 0, i + 1]
    shift += 7
  }
  // Slow path: bigint for the remaining up-to-6 bytes; the 10th byte may only carry the 64th bit.
  let big = BigInt(result >>> 0)
  let bigShift = 28n
  for (; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (i - pos === 9 && b > 1) throw malformed(label, 'varint overflows 64 bits', pos)
    big |= BigInt(b & 0x7f) << bigShift
    if (b < 0x80) return [big <= 0x1fffffffffffffn ? Number(big) : big, i + 1]
    bigShift += 7n
  }
  throw malformed(label, 'truncated varint', pos)
}

/**
 * Decodes the top-level fields of one message.
 *
 * Known fields (in `schema`) must carry the matching wire type and occur at most once; the returned map
 * holds their values (byte values are views into `bytes`, not copies).
 * @throws {EnvelopeError} `Envelope::Malformed` on any wire-format violation.
 */
export function decodeFields(bytes: Uint8Array, schema: FieldSchema, label: string): Map<number, FieldValue> {
  const out = new Map<number, FieldValue>()
  let pos = 0
  while (pos < bytes.length) {
    const tagStart = pos
    const [tag, afterTag] = readVarint(bytes, pos, label)
    pos = afterTag
    if (typeof tag !== 'number' || tag > 0xffffffff)
      throw malformed(label, 'field tag out of range', tagStart)
    const fieldNumber = Math.floor(tag / 8)
    const wireType = tag & 7
    if (fieldNumber === 0 || fieldNumber > MAX_FIELD_NUMBER) {
      throw malformed(label, `invalid field number ${fieldNumber}`, tagStart)
    }
    const kind = schema[fieldNumber]
    let value: FieldValue
    switch (wireType) {
      case WireType.Varint: {
        const [v, next] = readVarint(bytes, pos, label)
        pos = next
        value = v
        break
      }
      case WireType.Fixed64:
        if (pos + 8 > bytes.length) throw malformed(label, 'truncated fixed64', pos)
        value = bytes.subarray(pos, pos + 8)
        pos += 8
        break
      case WireType.Fixed32:
        if (pos + 4 > bytes.length) throw malformed(label, 'truncated fixed32', pos)
        value = bytes.subarray(pos, pos + 4)
        pos += 4
        break
      case WireType.Len: {
        const [length, next] = readVarint(bytes, pos, label)
        if (typeof length !== 'number' || next + length > bytes.length) {
          throw malformed(label, `length-delimited field ${fieldNumber} runs past the end`, pos)
        }
        value = bytes.subarray(next, next + length)
        pos = next + length
        break
      }
      default:
        throw malformed(label, `unsupported wire type ${wireType} (field ${fieldNumber})`, tagStart)
    }
    if (kind === undefined) continue
    const expected = kind === 'bytes' || kind === 'message' ? WireType.Len : WireType.Varint
    if (wireType !== expected) {
      throw malformed(label, `field ${fieldNumber} has wire type ${wireType}, expected ${expected}`, tagStart)
    }
    if (out.has(fieldNumber)) throw malformed(label, `field ${fieldNumber} occurs twice`, tagStart)
    out.set(fieldNumber, convert(value, kind, label, tagStart))
  }
  return out
}

/**
 * Decodes the entries of a repeated length-delimited field (for map fields), each as a view.
 * @throws {EnvelopeError} `Envelope::Malformed` on any wire-format violation.
 */
export function decodeRepeated(bytes: Uint8Array, fieldNumber: number, label: string): Uint8Array[] {
  const out: Uint8Array[] = []
  let pos = 0
  while (pos < bytes.length) {
    const tagStart = pos
    const [tag, afterTag] = readVarint(bytes, pos, label)
    pos = afterTag
    if (typeof tag !== 'number' || tag > 0xffffffff)
      throw malformed(label, 'field tag out of range', tagStart)
    const number = Math.floor(tag / 8)
    const wireType = tag & 7
    if (number === 0) throw malformed(label, 'invalid field number 0', tagStart)
    if (number === fieldNumber && wireType !== WireType.Len) {
      throw malformed(label, `field ${number} has wire type ${wireType}, expected 2`, tagStart)
    }
    switch (wireType) {
      case WireType.Varint:
        pos = readVarint(bytes, pos, label)[1]
        break
      case WireType.Fixed64:
        if (pos + 8 > bytes.length) throw malformed(label, 'truncated fixed64', pos)
        pos += 8
        break
      case WireType.Fixed32:
        if (pos + 4 > bytes.length) throw malformed(label, 'truncated fixed32', pos)
        pos += 4
        break
      case WireType.Len: {
        const [length, next] = readVarint(bytes, pos, label)
        if (typeof length !== 'number' || next + length > bytes.length) {
          throw malformed(label, `length-delimited field ${number} runs past the end`, pos)
        }
        if (number === fieldNumber) out.push(bytes.subarray(next, next + length))
        pos = next + length
        break
      }
      default:
        throw malformed(label, `unsupported wire type ${wireType} (field ${number})`, tagStart)
    }
  }
  return out
}

function convert(value: FieldValue, kind: FieldKind, label: string, offset: number): FieldValue {
  switch (kind) {
    case 'uint32':
      if (typeof value !== 'number' || value > 0xffffffff) {
        throw malformed(label, 'uint32 field out of range', offset)
      }
      return value
    case 'uint64':
      return typeof value === 'bigint' ? value : BigInt(value as number)
    case 'int64':
      // int64 travels as the 64-bit two's complement varint.
      return BigInt.asIntN(64, typeof value === 'bigint' ? value : BigInt(value as number))
    default:
      return value
  }
}

// --- encoding --------------------------------------------------------------------------------------

/** One field to encode. `undefined` values are skipped; scalars equal to 0 and empty bytes are skipped too. */
export type EncodeField =
  | readonly [number, 'uint32', number | undefined]
  | readonly [number, 'uint64' | 'int64', bigint | undefined]
  | readonly [number, 'bytes', Uint8Array | undefined]
  /** Messages are written whenever present, even when empty (proto3 message presence). */
  | readonly [number, 'message', Uint8Array | undefined]

function varintSize(value: number | bigint): number {
  if (typeof value === 'number') {
    // Field tags, lengths and uint32 values: no bigint needed.
    let n = 1
    let v = value
    while (v >= 0x80) {
      v = Math.floor(v / 128)
      n++
    }
    return n
  }
  let v = value
  let n = 1
  while (v >= 0x80n) {
    v >>= 7n
    n++
  }
  return n
}

function writeVarint(out: Uint8Array, pos: number, value: number | bigint): number {
  if (typeof value === 'number' && value <= 0xffffffff) {
    let v = value
    while (v >= 0x80) {
      out[pos++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    out[pos++] = v
    return pos
  }
  let v = BigInt(value)
  while (v >= 0x80n) {
    out[pos++] = Number(v & 0x7fn) | 0x80
    v >>= 7n
  }
  out[pos++] = Number(v)
  return pos
}

function scalarOf(field: EncodeField): number | bigint | undefined {
  const [, kind, value] = field
  if (value === undefined) return undefined
  if (kind === 'uint32') return value === 0 ? undefined : value
  if (kind === 'uint64') return value === 0n ? undefined : value
  if (kind === 'int64') return value === 0n ? undefined : BigInt.asUintN(64, value)
  return undefined
}

/**
 * Encodes one message from its fields, in the order given (callers pass ascending field numbers, as Go's
 * `proto.Marshal` writes them), skipping proto3 default values.
 */
export function encodeFields(fields: readonly EncodeField[]): Uint8Array {
  let size = 0
  for (const field of fields) {
    const [number, kind, value] = field
    if (kind === 'bytes' || kind === 'message') {
      const b = value as Uint8Array | undefined
      if (b === undefined || (kind === 'bytes' && b.length === 0)) continue
      size += varintSize(number * 8 + 2) + varintSize(b.length) + b.length
    } else {
      const scalar = scalarOf(field)
      if (scalar === undefined) continue
      size += varintSize(number * 8) + varintSize(scalar)
    }
  }
  const out = new Uint8Array(size)
  let pos = 0
  for (const field of fields) {
    const [number, kind, value] = field
    if (kind === 'bytes' || kind === 'message') {
      const b = value as Uint8Array | undefined
      if (b === undefined || (kind === 'bytes' && b.length === 0)) continue
      pos = writeVarint(out, pos, number * 8 + 2)
      pos = writeVarint(out, pos, b.length)
      out.set(b, pos)
      pos += b.length
    } else {
      const scalar = scalarOf(field)
      if (scalar === undefined) continue
      pos = writeVarint(out, pos, number * 8)
      pos = writeVarint(out, pos, scalar)
    }
  }
  return out
}

/** Encodes a map entry `{1: key, 2: value}` with both fields always present (as protobuf-go and protobufjs do). */
export function encodeMapEntryUint32Uint64(key: number, value: bigint): Uint8Array {
  const out = new Uint8Array(2 + varintSize(key) + varintSize(value))
  let pos = 0
  out[pos++] = 0x08
  pos = writeVarint(out, pos, key)
  out[pos++] = 0x10
  writeVarint(out, pos, value)
  return out
}

/** Encodes a repeated length-delimited field, one tag per element. */
export function encodeRepeated(fieldNumber: number, items: readonly Uint8Array[]): Uint8Array {
  const tagSize = varintSize(fieldNumber * 8 + 2)
  let size = 0
  for (const item of items) size += tagSize + varintSize(item.length) + item.length
  const out = new Uint8Array(size)
  let pos = 0
  for (const item of items) {
    pos = writeVarint(out, pos, fieldNumber * 8 + 2)
    pos = writeVarint(out, pos, item.length)
    out.set(item, pos)
    pos += item.length
  }
  return out
}
