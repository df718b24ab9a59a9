/**
 * A protobuf writer that produces prost's bytes, for the XMTP extensions libxmtp writes with prost.
 *
 * Why not the generated protobufjs encoders of `@xmtp-lite/proto`: they write a map entry's key and value
 * even when the value is the default (`group_name: ""` becomes `0a 0e 0a 0a …name 12 00`), where prost
 * omits default keys and values inside map entries (`0a 0c 0a 0a …name`). libxmtp's 0xFF00 and 0xFF01 bytes
 * are full of such entries (empty attributes at creation, `{creator: 0}`), and our encoders must reproduce
 * libxmtp's bytes exactly. Decoding still goes through the generated decoders. Internal to the package.
 *
 * Fields are written in the order the caller gives; callers follow field-number order, as prost does.
 * @module
 */
import { utf8ToBytes } from '@xmtp-lite/common'

/** Appends protobuf wire data; `finish` returns the bytes. */
export class PbWriter {
  private chunks: Uint8Array[] = []
  private length = 0

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk)
    this.length += chunk.length
    return this
  }

  /** A base-128 varint of a non-negative integer below 2^64. */
  varint(value: bigint | number): this {
    let v = BigInt(value)
    const out: number[] = []
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    out.push(Number(v))
    return this.push(Uint8Array.from(out))
  }

  /** A field key: field number and wire type (0 varint, 2 length-delimited). */
  tag(field: number, wireType: 0 | 2): this {
    return this.varint((field << 3) | wireType)
  }

  /** A length-delimited field holding `bytes`. */
  bytesField(field: number, bytes: Uint8Array): this {
    return this.tag(field, 2).varint(bytes.length).push(bytes)
  }

  /** A string field (UTF-8). */
  stringField(field: number, value: string): this {
    return this.bytesField(field, utf8ToBytes(value))
  }

  /** A varint field (enums, uint64, int32 ≥ 0). */
  varintField(field: number, value: bigint | number): this {
    return this.tag(field, 0).varint(value)
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length)
    let offset = 0
    for (const chunk of this.chunks) {
      out.set(chunk, offset)
      offset += chunk.length
    }
    return out
  }
}

/** What a field of a {@link PbSchema} holds: the wire type it must use and, for strings, strict UTF-8. */
export type PbField =
  | { readonly kind: 'varint' }
  | { readonly kind: 'bytes' }
  | { readonly kind: 'string' }
  | { readonly kind: 'message'; readonly schema: () => PbSchema }

/** Field number → field, for the fields a message defines. */
export type PbSchema = Readonly<Record<number, PbField>>

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) > 0x7f) return false
  return true
}

/**
 * Checks `bytes` against `schema` with prost's strictness, before the lenient protobufjs decoders run:
 * prost rejects a known field sent with another wire type and a `string` that is not UTF-8, where protobufjs
 * skips the field or substitutes U+FFFD. Accepting what libxmtp rejects would fork a group between libxmtp
 * members and ours, so such bytes fail here. Unknown fields are skipped (varint, 64-bit, length-delimited,
 * 32-bit); groups are refused.
 * @returns a reason, or undefined when the bytes pass.
 */
export function pbStrictCheck(bytes: Uint8Array, schema: PbSchema, depth = 0): string | undefined {
  if (depth > 64) return 'nested too deeply'
  let offset = 0
  // Lengths and keys fit a double exactly; larger varint values are only skipped, so precision past 2^53
  // does not matter (a length that large is past the end anyway).
  const varint = (): number | undefined => {
    let result = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      const byte = bytes[offset++]
      if (byte === undefined) return undefined
      result += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) return result
      scale *= 128
    }
    return undefined
  }
  while (offset < bytes.length) {
    const key = varint()
    if (key === undefined) return 'truncated field key'
    const field = Math.floor(key / 8)
    const wireType = key % 8
    const known = schema[field]
    if (known !== undefined && (known.kind === 'varint') !== (wireType === 0)) {
      return `field ${field} has wire type ${wireType}`
    }
    if (known !== undefined && known.kind !== 'varint' && wireType !== 2) {
      return `field ${field} has wire type ${wireType}`
    }
    switch (wireType) {
      case 0:
        if (varint() === undefined) return 'truncated varint'
        break
      case 1:
        offset += 8
        break
      case 5:
        offset += 4
        break
      case 2: {
        const length = varint()
        if (length === undefined || offset + length > bytes.length) return 'truncated bytes'
        const body = bytes.subarray(offset, offset + length)
        offset += length
        if (known?.kind === 'string' && !isAscii(body)) {
          try {
            strictUtf8.decode(body)
          } catch {
            return `field ${field} is not UTF-8`
          }
        }
        if (known?.kind === 'message') {
          const inner = pbStrictCheck(body, known.schema(), depth + 1)
          if (inner !== undefined) return `field ${field}: ${inner}`
        }
        break
      }
      default:
        return `wire type ${wireType}`
    }
    if (offset > bytes.length) return 'truncated field'
  }
  return undefined
}
