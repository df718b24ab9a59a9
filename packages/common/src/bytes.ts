/**
 * Byte helpers: hex and base64 conversion, concatenation, constant-time comparison, UTF-8.
 * @module
 */
import { CommonError } from './errors.ts'

const hexAlphabet = '0123456789abcdef'
const hexTable: readonly string[] = Array.from({ length: 256 }, (_, i) => {
  return (hexAlphabet[i >> 4] ?? '') + (hexAlphabet[i & 15] ?? '')
})

interface HexBuffer {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'hex'): string }
}

/**
 * Node's Buffer, read off the global object (no import: browser bundles never see it), only under Node.
 * Its native hex encoder returns a flat string; the table loop below builds a rope of one-byte pieces that
 * V8 flattens on first use, which made hex map keys (replay sets, member keys) cost about 2.5x more.
 */
const nodeBuffer: HexBuffer | undefined = (() => {
  const g = globalThis as { Buffer?: Partial<HexBuffer>; process?: { versions?: { node?: unknown } } }
  return typeof g.process?.versions?.node === 'string' && typeof g.Buffer?.from === 'function'
    ? (g.Buffer as HexBuffer)
    : undefined
})()

/** Below this length the table loop is as fast as creating a Buffer view. */
const bufferHexMinLength = 16

/** Lowercase hex of `bytes`, without a `0x` prefix. */
export function toHex(bytes: Uint8Array): string {
  if (nodeBuffer !== undefined && bytes.length >= bufferHexMinLength) {
    return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
  }
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += hexTable[bytes[i] as number]
  return out
}

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  if (code >= 65 && code <= 70) return code - 55
  return -1
}

/**
 * Bytes of a hex string; an optional `0x` prefix is accepted, either case.
 * @throws {CommonError} `Common::InvalidHex` on odd length or a non-hex character.
 */
export function fromHex(hex: string): Uint8Array {
  const start = hex.startsWith('0x') || hex.startsWith('0X') ? 2 : 0
  const length = hex.length - start
  if (length % 2 !== 0) throw new CommonError('Common::InvalidHex', 'hex string has an odd length')
  const out = new Uint8Array(length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(start + 2 * i))
    const lo = hexNibble(hex.charCodeAt(start + 2 * i + 1))
    if (hi < 0 || lo < 0) {
      throw new CommonError('Common::InvalidHex', 'hex string has a non-hex character', {
        details: `at offset ${start + 2 * i}`,
      })
    }
    out[i] = (hi << 4) | lo
  }
  return out
}

/** True when `value` is a hex string (optional `0x`, even length). */
export function isHex(value: string): boolean {
  return /^(0x)?([0-9a-fA-F]{2})*$/.test(value)
}

/** Concatenates byte arrays into a new one. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Byte-wise equality in time that depends only on the lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** Lexicographic order of two byte arrays (negative, zero or positive). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/**
 * Order of two unsigned integers written in the same number of bytes, `'big'` or `'little'` endian (-1, 0 or
 * 1), compared byte by byte from the most significant end: no BigInt, for the bound checks of signature
 * scalars (secp256k1 low-s, Ed25519 S < L) that run once per verification. Not constant-time: for public
 * values only.
 * @throws {CommonError} `Common::InvalidLength` when the lengths differ.
 */
export function compareUnsigned(a: Uint8Array, b: Uint8Array, endian: 'big' | 'little'): -1 | 0 | 1 {
  const n = a.length
  if (b.length !== n) {
    throw new CommonError('Common::InvalidLength', `integers of ${n} and ${b.length} bytes do not compare`)
  }
  for (let k = 0; k < n; k++) {
    const i = endian === 'big' ? k : n - 1 - k
    const x = a[i] as number
    const y = b[i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 bytes of a string. */
export function utf8ToBytes(text: string): Uint8Array {
  return encoder.encode(text)
}

/**
 * The string held in UTF-8 bytes.
 * @throws {CommonError} `Common::InvalidUtf8` when the bytes are not well-formed UTF-8.
 */
export function bytesToUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes)
  } catch (cause) {
    throw new CommonError('Common::InvalidUtf8', 'bytes are not valid UTF-8', { cause })
  }
}

/** Standard base64 (with padding) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/**
 * Bytes of a standard base64 string (padding optional).
 * @throws {CommonError} `Common::InvalidBase64` when it does not decode.
 */
export function fromBase64(text: string): Uint8Array {
  let binary: string
  try {
    binary = atob(text)
  } catch (cause) {
    throw new CommonError('Common::InvalidBase64', 'string is not valid base64', { cause })
  }
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/**
 * Checks that `bytes` has exactly `length` bytes.
 * @throws {CommonError} `Common::InvalidLength` otherwise.
 */
export function assertLength(bytes: Uint8Array, length: number, label: string): void {
  if (bytes.length !== length) {
    throw new CommonError('Common::InvalidLength', `"${label}" must be ${length} bytes, got ${bytes.length}`)
  }
}
