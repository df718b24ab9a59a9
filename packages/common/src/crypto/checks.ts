/**
 * Argument checks shared by both providers, so that both reject the same inputs with the same codes.
 * @module
 */
import { CommonError } from '../errors.ts'

/**
 * Asserts `value` is a Uint8Array, of one of `lengths` when given.
 * @throws {CommonError} `Common::InvalidLength` otherwise.
 */
export function checkBytes(value: Uint8Array, name: string, ...lengths: readonly number[]): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new CommonError('Common::InvalidLength', `"${name}" must be a Uint8Array`)
  }
  if (lengths.length > 0 && !lengths.includes(value.length)) {
    throw new CommonError('Common::InvalidLength', `"${name}" has the wrong length`, {
      details: `expected ${lengths.join(' or ')} bytes, got ${value.length}`,
    })
  }
  return value
}

/** Asserts an optional AAD argument is bytes and returns it (empty when absent). */
export function checkAad(aad: Uint8Array | undefined): Uint8Array {
  return aad === undefined ? new Uint8Array(0) : checkBytes(aad, 'aad')
}

/**
 * Asserts `length` is an integer in `[0, max]`.
 * @throws {CommonError} `Common::InvalidLength` otherwise.
 */
export function checkOutputLength(length: number, max: number, name: string): number {
  if (!Number.isSafeInteger(length) || length < 0 || length > max) {
    throw new CommonError('Common::InvalidLength', `"${name}" must be an integer from 0 to ${max}`, {
      details: `got ${length}`,
    })
  }
  return length
}

/** RFC 5869 §2.3: L <= 255 * HashLen. */
export const hkdfSha256MaxLength = 255 * 32

/** The AEAD tag length of both AEADs here (RFC 5116 §5.1, NIST SP 800-38D with t = 128). */
export const aeadTagLength = 16

/** AES key sizes accepted by {@link CryptoProvider.aesGcm}. */
export const aesKeyLengths: readonly number[] = [16, 24, 32]

/** The only nonce length both providers accept for both AEADs (RFC 5116 §3.2 recommends 12 bytes). */
export const aeadNonceLength = 12

/** RFC 8032 §5.1: a context is at most 255 bytes. */
export function checkContext(context: Uint8Array): Uint8Array {
  checkBytes(context, 'context')
  if (context.length > 255) {
    throw new CommonError('Common::InvalidLength', '"context" must be at most 255 bytes', {
      details: `got ${context.length}`,
    })
  }
  return context
}

/** A copy of `buf` as a plain Uint8Array that owns its whole ArrayBuffer (no Buffer, no shared pool). */
export function ownBytes(buf: Uint8Array): Uint8Array {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer) {
    return new Uint8Array(buf.buffer)
  }
  return new Uint8Array(buf)
}
