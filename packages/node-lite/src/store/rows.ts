/**
 * The value encoding of stored rows: a flat sequence of fields, each a u8, a u64 or a u32-length-prefixed
 * byte string, read back in the same order. A row that does not read back is corruption and ends in
 * `Node::StorageFailure`, never in a crash.
 * @module
 */
import { NodeError } from '../errors.ts'

/** Builds one row. */
export class RowWriter {
  private readonly parts: Uint8Array[] = []
  private size = 0

  u8(value: number): this {
    this.push(new Uint8Array([value & 0xff]))
    return this
  }

  u64(value: number | bigint): this {
    const out = new Uint8Array(8)
    new DataView(out.buffer).setBigUint64(0, BigInt(value))
    this.push(out)
    return this
  }

  bytes(value: Uint8Array): this {
    const len = new Uint8Array(4)
    new DataView(len.buffer).setUint32(0, value.length)
    this.push(len)
    this.push(value)
    return this
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size)
    let offset = 0
    for (const part of this.parts) {
      out.set(part, offset)
      offset += part.length
    }
    return out
  }

  private push(part: Uint8Array): void {
    this.parts.push(part)
    this.size += part.length
  }
}

/** Reads one row written by {@link RowWriter}. */
export class RowReader {
  private offset = 0
  private readonly dataView: DataView
  private readonly row: Uint8Array

  constructor(row: Uint8Array) {
    this.row = row
    this.dataView = new DataView(row.buffer, row.byteOffset, row.byteLength)
  }

  u8(): number {
    this.need(1)
    const v = this.row[this.offset] as number
    this.offset += 1
    return v
  }

  u64(): bigint {
    this.need(8)
    const v = this.dataView.getBigUint64(this.offset)
    this.offset += 8
    return v
  }

  bytes(): Uint8Array {
    this.need(4)
    const len = this.dataView.getUint32(this.offset)
    this.offset += 4
    this.need(len)
    // A copy: level may reuse its buffers, and callers keep these bytes.
    const v = new Uint8Array(this.row.subarray(this.offset, this.offset + len))
    this.offset += len
    return v
  }

  /**
   * Like {@link bytes} but a view into the row, not a copy. For rows read from the database: nothing writes
   * into a stored row's buffer after it is put (each row is a fresh {@link RowWriter} buffer, and classic-level
   * hands out a new buffer per read), so the view stays valid; the caller must not write into it either.
   */
  view(): Uint8Array {
    this.need(4)
    const len = this.dataView.getUint32(this.offset)
    this.offset += 4
    this.need(len)
    // A plain Uint8Array over the same memory (a Buffer's subarray would be a Buffer).
    const v = new Uint8Array(this.row.buffer, this.row.byteOffset + this.offset, len)
    this.offset += len
    return v
  }

  private need(n: number): void {
    if (this.offset + n > this.row.length) {
      throw new NodeError('Node::StorageFailure', 'a stored row is truncated (database corruption)')
    }
  }
}
