/**
 * Helpers shared by the codecs: strict UTF-8, JSON parsing into typed errors, and small schema checks
 * so that no codec casts `JSON.parse` output (style-anchors §3.9). Not exported from the package.
 * @module
 */
import { ContentTypeError } from './errors.ts'

const encoder = new TextEncoder()
// fatal: a malformed sequence is an error, never silently replaced by U+FFFD.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

export function utf8Decode(bytes: Uint8Array, what: string): string {
  try {
    return strictDecoder.decode(bytes)
  } catch (error) {
    throw new ContentTypeError('ContentType::InvalidUtf8', `${what} is not well-formed UTF-8`, {
      cause: error,
    })
  }
}

/** Parses UTF-8 JSON bytes; `ContentType::InvalidUtf8` or `ContentType::InvalidJson` on failure. */
export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  const text = utf8Decode(bytes, what)
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new ContentTypeError('ContentType::InvalidJson', `${what} is not valid JSON`, { cause: error })
  }
}

export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value))
}

export function schemaError(what: string, details?: string): ContentTypeError {
  return new ContentTypeError(
    'ContentType::SchemaMismatch',
    what,
    details === undefined ? undefined : { details: details.slice(0, 300) },
  )
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function expectRecord(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw schemaError(`${path} must be an object`)
  return value
}

export function expectString(obj: Record<string, unknown>, key: string, path: string): string {
  const v = obj[key]
  if (typeof v !== 'string') throw schemaError(`${path}.${key} must be a string`)
  return v
}

/** An optional string field: absent or `null` gives `undefined` (serde's `Option` accepts both). */
export function optionalString(obj: Record<string, unknown>, key: string, path: string): string | undefined {
  const v = obj[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw schemaError(`${path}.${key} must be a string when present`)
  return v
}

export function expectFiniteNumber(obj: Record<string, unknown>, key: string, path: string): number {
  const v = obj[key]
  if (typeof v !== 'number' || !Number.isFinite(v)) throw schemaError(`${path}.${key} must be a number`)
  return v
}

export function expectArray(obj: Record<string, unknown>, key: string, path: string): unknown[] {
  const v = obj[key]
  if (!Array.isArray(v)) throw schemaError(`${path}.${key} must be an array`)
  return v
}

export function expectStringMap(value: unknown, path: string): Record<string, string> {
  const obj = expectRecord(value, path)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string') throw schemaError(`${path}.${k} must be a string`)
    out[k] = v
  }
  return out
}

/** Wraps a protobuf decoder so that any failure becomes `ContentType::MalformedProtobuf`. */
export function decodeProtobuf<T>(what: string, decode: () => T): T {
  try {
    return decode()
  } catch (error) {
    if (error instanceof ContentTypeError) throw error
    throw new ContentTypeError('ContentType::MalformedProtobuf', `${what} does not parse`, { cause: error })
  }
}

/**
 * A plain `Uint8Array` view of `bytes` (no copy). protobufjs hands out `Buffer` slices when given a Node
 * `Buffer`; viewing the input as a plain array first keeps every decoded field a plain `Uint8Array`.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes instanceof Uint8Array && bytes.constructor !== Uint8Array
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : bytes
}
