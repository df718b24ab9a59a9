/**
 * The JSON form of decoded values in `vectors/content-types/*.json`: bytes as `{"$bytes": "<hex>"}`, dates
 * as `{"$date": "<RFC 3339>"}`, content type ids as `{"$contentType": "authority/type:major.minor"}`.
 * Used by the vector generator and the vector tests; not exported from the package.
 * @module
 */
import { ContentTypeId, type ContentTypeIdFields, contentTypeToString } from './contentTypeId.ts'

// Any id-shaped object (ours, or the official primitives' class).
function isContentTypeId(value: unknown): value is ContentTypeIdFields {
  if (typeof value !== 'object' || value === null) return false
  const o = value as Record<string, unknown>
  return (
    typeof o.authorityId === 'string' && typeof o.typeId === 'string' && typeof o.versionMajor === 'number'
  )
}

export function toVectorJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('hex') }
  if (value instanceof Date) return { $date: value.toISOString() }
  if (isContentTypeId(value)) return { $contentType: contentTypeToString(value) }
  if (Array.isArray(value)) return value.map(toVectorJson)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toVectorJson(v)
    return out
  }
  return value
}

export function fromVectorJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromVectorJson)
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>
    if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'hex'))
    if (typeof o.$date === 'string') return new Date(o.$date)
    if (typeof o.$contentType === 'string') return ContentTypeId.fromString(o.$contentType)
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(o)) out[k] = fromVectorJson(v)
    return out
  }
  return value
}
