/**
 * Content type ids: `authorityId/typeId:major.minor` (mls-groups.md §6.2, `ContentTypeId` fields 1-4).
 *
 * The class has the shape of `ContentTypeId` in `@xmtp/content-type-primitives` 2.x (fields, `toString`,
 * `fromString`, `sameAs`) so that code written against the official codecs keeps working; the free
 * functions mirror the 3.x helpers (`contentTypeToString`, `contentTypeFromString`, `contentTypesAreEqual`).
 * @module
 */
import { ContentTypeError } from './errors.ts'

/** The four fields of a content type id, as plain data (protobuf `ContentTypeId`). */
export interface ContentTypeIdFields {
  readonly authorityId: string
  readonly typeId: string
  readonly versionMajor: number
  readonly versionMinor: number
}

const maxUint32 = 0xffff_ffff
// Same grammar as the official primitives 3.x: no "/" in the authority, no ":" in the type id.
const idPattern = /^([^/]+)\/([^:]+):(\d{1,10})\.(\d{1,10})$/

function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= maxUint32
}

/** Throws `ContentType::InvalidContentTypeId` unless the fields make a usable id. */
export function assertContentTypeId(id: ContentTypeIdFields): void {
  if (typeof id.authorityId !== 'string' || id.authorityId.length === 0 || id.authorityId.includes('/')) {
    throw new ContentTypeError(
      'ContentType::InvalidContentTypeId',
      'authorityId must be a non-empty string without "/"',
    )
  }
  if (typeof id.typeId !== 'string' || id.typeId.length === 0 || id.typeId.includes(':')) {
    throw new ContentTypeError(
      'ContentType::InvalidContentTypeId',
      'typeId must be a non-empty string without ":"',
    )
  }
  if (!isUint32(id.versionMajor) || !isUint32(id.versionMinor)) {
    throw new ContentTypeError('ContentType::InvalidContentTypeId', 'versions must be uint32 integers')
  }
}

/**
 * A content type id. Two ids name the same codec when authority, type and major version agree: minor
 * versions are backwards-compatible by definition.
 * @example
 * const id = ContentTypeId.fromString('xmtp.org/text:1.0')
 * id.toString() // 'xmtp.org/text:1.0'
 */
export class ContentTypeId implements ContentTypeIdFields {
  readonly authorityId: string
  readonly typeId: string
  readonly versionMajor: number
  readonly versionMinor: number

  constructor(fields: ContentTypeIdFields) {
    this.authorityId = fields.authorityId
    this.typeId = fields.typeId
    this.versionMajor = fields.versionMajor
    this.versionMinor = fields.versionMinor
  }

  /** `authorityId/typeId:major.minor`. */
  toString(): string {
    return contentTypeToString(this)
  }

  /**
   * Parses `authorityId/typeId:major.minor`.
   * @throws {ContentTypeError} `ContentType::InvalidContentTypeId` when the string does not parse.
   */
  static fromString(text: string): ContentTypeId {
    return contentTypeFromString(text)
  }

  /** True when authority and type agree (any version), as the official `sameAs`. */
  sameAs(other: ContentTypeIdFields): boolean {
    return this.authorityId === other.authorityId && this.typeId === other.typeId
  }
}

/** `authorityId/typeId:major.minor`. */
export function contentTypeToString(id: ContentTypeIdFields): string {
  return `${id.authorityId}/${id.typeId}:${id.versionMajor}.${id.versionMinor}`
}

/**
 * Parses `authorityId/typeId:major.minor`.
 * @throws {ContentTypeError} `ContentType::InvalidContentTypeId`.
 */
export function contentTypeFromString(text: string): ContentTypeId {
  const match = typeof text === 'string' ? idPattern.exec(text) : null
  if (match === null) {
    throw new ContentTypeError(
      'ContentType::InvalidContentTypeId',
      'expected "authorityId/typeId:major.minor"',
      {
        details: String(text).slice(0, 200),
      },
    )
  }
  const id = new ContentTypeId({
    authorityId: match[1] as string,
    typeId: match[2] as string,
    versionMajor: Number(match[3]),
    versionMinor: Number(match[4]),
  })
  assertContentTypeId(id)
  return id
}

/** True when authority, type and both versions agree. */
export function contentTypesAreEqual(a: ContentTypeIdFields, b: ContentTypeIdFields): boolean {
  return (
    a.authorityId === b.authorityId &&
    a.typeId === b.typeId &&
    a.versionMajor === b.versionMajor &&
    a.versionMinor === b.versionMinor
  )
}

/** The registry key of an id: authority, type and major version (`xmtp.org/reaction:2`). */
export function contentTypeKey(id: ContentTypeIdFields): string {
  return `${id.authorityId}/${id.typeId}:${id.versionMajor}`
}
