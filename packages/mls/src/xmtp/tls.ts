/**
 * The few TLS presentation-language pieces the XMTP extensions need: RFC 9420 §2.1.2 variable-length
 * vector headers (`<V>`), opaque vectors, and u16 lists. Internal to the package.
 * @module
 */
import { MlsError } from '../errors.ts'

/** Largest length a 4-byte MLS varint can carry (2^30 - 1). */
const MAX_VARINT = 0x3fffffff

/** RFC 9420 §2.1.2 varint header for `length` (1, 2 or 4 bytes, the shortest that fits). */
export function encodeVarint(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_VARINT) {
    throw new MlsError('Mls::InvalidArgument', `vector length ${length} does not fit an MLS varint`)
  }
  if (length < 0x40) return Uint8Array.of(length)
  if (length < 0x4000) return Uint8Array.of(0x40 | (length >> 8), length & 0xff)
  return Uint8Array.of(0x80 | (length >>> 24), (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff)
}

/** A decoded value and the offset just past it. */
export interface Decoded<T> {
  readonly value: T
  readonly offset: number
}

function malformed(what: string, details: string): MlsError {
  return new MlsError('Mls::ExtensionMalformed', `${what} does not parse`, { details })
}

/**
 * Reads a varint header at `offset`. The 0b11 prefix is invalid in MLS and non-minimal encodings are
 * rejected (RFC 9420 §2.1.2), so every length has exactly one encoding.
 * @throws {MlsError} `Mls::ExtensionMalformed`
 */
export function decodeVarint(bytes: Uint8Array, offset: number, what: string): Decoded<number> {
  const first = bytes[offset]
  if (first === undefined) throw malformed(what, 'truncated vector length')
  const prefix = first >> 6
  if (prefix === 0) return { value: first, offset: offset + 1 }
  if (prefix === 3) throw malformed(what, 'vector length uses the invalid 0b11 prefix')
  const size = prefix === 1 ? 2 : 4
  if (offset + size > bytes.length) throw malformed(what, 'truncated vector length')
  let value = first & 0x3f
  for (let i = 1; i < size; i++) value = value * 256 + (bytes[offset + i] as number)
  const minimum = size === 2 ? 0x40 : 0x4000
  if (value < minimum) throw malformed(what, 'vector length is not minimally encoded')
  return { value, offset: offset + size }
}

/** `opaque data<V>`: a varint header, then the bytes. */
export function encodeOpaque(data: Uint8Array): Uint8Array {
  const header = encodeVarint(data.length)
  const out = new Uint8Array(header.length + data.length)
  out.set(header, 0)
  out.set(data, header.length)
  return out
}

/**
 * Reads `opaque data<V>` at `offset`.
 * @throws {MlsError} `Mls::ExtensionMalformed` on a bad header or a length past the end.
 */
export function decodeOpaque(bytes: Uint8Array, offset: number, what: string): Decoded<Uint8Array> {
  const header = decodeVarint(bytes, offset, what)
  const end = header.offset + header.value
  if (end > bytes.length) throw malformed(what, `vector of ${header.value} bytes runs past the end`)
  return { value: bytes.slice(header.offset, end), offset: end }
}

/**
 * Reads a whole buffer that must be exactly one `opaque data<V>` (the inner prefix of 0xF000 and
 * application_id, mls-groups.md §14.1).
 * @throws {MlsError} `Mls::ExtensionMalformed` on trailing bytes or a bad vector.
 */
export function decodeOpaqueExact(bytes: Uint8Array, what: string): Uint8Array {
  const { value, offset } = decodeOpaque(bytes, 0, what)
  if (offset !== bytes.length) throw malformed(what, `${bytes.length - offset} trailing bytes`)
  return value
}

/** `uint16 values<V>`. */
export function encodeUint16List(values: readonly number[]): Uint8Array {
  const body = new Uint8Array(values.length * 2)
  values.forEach((value, i) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
      throw new MlsError('Mls::InvalidArgument', `${value} is not a uint16`)
    }
    body[2 * i] = value >> 8
    body[2 * i + 1] = value & 0xff
  })
  return encodeOpaque(body)
}

/**
 * Reads `uint16 values<V>` at `offset`.
 * @throws {MlsError} `Mls::ExtensionMalformed` when the vector has an odd byte length.
 */
export function decodeUint16List(bytes: Uint8Array, offset: number, what: string): Decoded<number[]> {
  const { value: body, offset: next } = decodeOpaque(bytes, offset, what)
  if (body.length % 2 !== 0) throw malformed(what, 'uint16 list has an odd byte length')
  const values: number[] = []
  for (let i = 0; i < body.length; i += 2) values.push(((body[i] as number) << 8) | (body[i + 1] as number))
  return { value: values, offset: next }
}
