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
