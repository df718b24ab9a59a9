import { describe, expect, it } from 'vitest'
import {
  ContentTypeId,
  contentTypeFromString,
  contentTypeKey,
  contentTypesAreEqual,
  contentTypeToString,
} from './contentTypeId.ts'
import { expectCode } from './testUtils.ts'

describe('ContentTypeId', () => {
  it('prints and parses authority/type:major.minor', () => {
    const id = ContentTypeId.fromString('xmtp.org/remoteStaticAttachment:1.0')
    expect(id).toMatchObject({
      authorityId: 'xmtp.org',
      typeId: 'remoteStaticAttachment',
      versionMajor: 1,
      versionMinor: 0,
    })
    expect(id.toString()).toBe('xmtp.org/remoteStaticAttachment:1.0')
    expect(contentTypeToString(contentTypeFromString('coinbase.com/actions:12.34'))).toBe(
      'coinbase.com/actions:12.34',
    )
  })

  it('compares like the official primitives', () => {
    const a = new ContentTypeId({
      authorityId: 'xmtp.org',
      typeId: 'reaction',
      versionMajor: 1,
      versionMinor: 0,
    })
    const b = new ContentTypeId({
      authorityId: 'xmtp.org',
      typeId: 'reaction',
      versionMajor: 2,
      versionMinor: 0,
    })
    expect(a.sameAs(b)).toBe(true)
    expect(contentTypesAreEqual(a, b)).toBe(false)
    expect(contentTypeKey(a)).not.toBe(contentTypeKey(b))
    expect(contentTypeKey(a)).toBe(contentTypeKey({ ...a, versionMinor: 7 }))
  })

  it.each([
    '',
    'xmtp.org/text',
    'xmtp.org:1.0',
    '/text:1.0',
    'xmtp.org/:1.0',
    'xmtp.org/text:1',
    'xmtp.org/text:-1.0',
    'xmtp.org/text:1.0.0',
    'xmtp.org/text:99999999999.0',
  ])('rejects %j with InvalidContentTypeId', (text) => {
    expectCode(() => contentTypeFromString(text), 'ContentType::InvalidContentTypeId')
  })
})
