/**
 * XMTP's MLS credential: a Basic credential whose identity is the protobuf `xmtp.identity.MlsCredential`
 * (one field, `string inbox_id = 1`; protocol/mls-groups.md §2). Encoded here by hand: a tag, a varint
 * length and the UTF-8 inbox id.
 * @module
 */
import { bytesToUtf8, utf8ToBytes } from '@xmtp-lite/common'
import { MlsError } from './errors.ts'

function encodeVarint(value: number): number[] {
  const out: number[] = []
  let v = value
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return out
}

/** Protobuf bytes of `MlsCredential{inbox_id}`. */
export function encodeMlsCredential(inboxId: string): Uint8Array {
  const id = utf8ToBytes(inboxId)
  return new Uint8Array([0x0a, ...encodeVarint(id.length), ...id])
}

function readVarint(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0
  let scale = 1
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const b = bytes[i] as number
    value += (b & 0x7f) * scale
    scale *= 128
    if ((b & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) break
      return [value, i + 1]
    }
  }
  throw new MlsError('Mls::InvalidCredential', 'MlsCredential has a bad varint')
}

/**
 * The inbox id inside protobuf `MlsCredential` bytes. Unknown fields are skipped, as prost does; the last
 * `inbox_id` wins, as in protobuf.
 * @throws {MlsError} `Mls::InvalidCredential` when the bytes do not decode or hold no inbox id.
 */
export function decodeMlsCredential(bytes: Uint8Array): string {
  let offset = 0
  let inboxId: string | undefined
  while (offset < bytes.length) {
    const [key, afterKey] = readVarint(bytes, offset)
    const field = Math.floor(key / 8)
    const wire = key & 7
    offset = afterKey
    if (field === 0) throw new MlsError('Mls::InvalidCredential', 'MlsCredential has field number 0')
    if (wire === 0) {
      offset = readVarint(bytes, offset)[1]
    } else if (wire === 1 || wire === 5) {
      offset += wire === 1 ? 8 : 4
    } else if (wire === 2) {
      const [length, start] = readVarint(bytes, offset)
      if (start + length > bytes.length)
        throw new MlsError('Mls::InvalidCredential', 'MlsCredential is truncated')
      if (field === 1) {
        try {
          inboxId = bytesToUtf8(bytes.subarray(start, start + length))
        } catch (cause) {
          throw new MlsError('Mls::InvalidCredential', 'MlsCredential inbox id is not UTF-8', { cause })
        }
      }
      offset = start + length
    } else {
      throw new MlsError('Mls::InvalidCredential', `MlsCredential has unsupported wire type ${wire}`)
    }
    if (offset > bytes.length) throw new MlsError('Mls::InvalidCredential', 'MlsCredential is truncated')
  }
  if (inboxId === undefined || inboxId.length === 0) {
    throw new MlsError('Mls::InvalidCredential', 'MlsCredential has no inbox id')
  }
  return inboxId
}
