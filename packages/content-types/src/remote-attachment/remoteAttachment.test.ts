import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectCode, expectCodeAsync } from '../testUtils.ts'
import { ContentTypeText, TextCodec } from '../text/text.ts'
import { decryptAttachment, encryptAttachment, encryptEncodedContent } from './encryption.ts'
import { fetchRemoteBytes, loadRemoteAttachment, loadRemoteContent } from './fetch.ts'
import {
  ContentTypeRemoteAttachment,
  type RemoteAttachment,
  RemoteAttachmentCodec,
} from './remoteAttachment.ts'
import { webCryptoAttachmentCrypto } from './webCrypto.ts'

const fixed = {
  secret: new Uint8Array(32).fill(1),
  salt: new Uint8Array(32).fill(2),
  nonce: new Uint8Array(12).fill(3),
}
const attachment = {
  filename: 'hello.txt',
  mimeType: 'text/plain',
  data: new TextEncoder().encode('hello remote world'),
}

// A real local HTTP server: the bodies it serves are registered per path.
const bodies = new Map<string, { status: number; body: Uint8Array; location?: string }>()
let server: Server
let base = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    const entry = bodies.get(req.url ?? '')
    if (entry === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(entry.status, entry.location === undefined ? {} : { location: entry.location })
    res.end(entry.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

async function published(path: string): Promise<RemoteAttachment> {
  const enc = await encryptAttachment(attachment, fixed)
  bodies.set(path, { status: 200, body: enc.payload })
  return {
    url: `${base}${path}`,
    contentDigest: enc.contentDigest,
    secret: enc.secret,
    salt: enc.salt,
    nonce: enc.nonce,
    scheme: 'https://',
    contentLength: enc.contentLength,
    filename: attachment.filename,
  }
}

describe('remote attachment encryption', () => {
  it('gives the same bytes with the common provider and with WebCrypto', async () => {
    const viaCommon = await encryptAttachment(attachment, fixed)
    const viaWeb = await encryptAttachment(attachment, { ...fixed, crypto: webCryptoAttachmentCrypto })
    expect(viaWeb.payload).toEqual(viaCommon.payload)
    expect(
      await decryptAttachment(viaCommon.payload, viaCommon, { crypto: webCryptoAttachmentCrypto }),
    ).toEqual(attachment)
    await expectCodeAsync(
      decryptAttachment(
        viaCommon.payload,
        { ...viaCommon, secret: new Uint8Array(32) },
        { crypto: webCryptoAttachmentCrypto },
      ),
      'ContentType::DecryptionFailed',
    )
  })

  it('is deterministic for fixed key material and round-trips', async () => {
    const a = await encryptAttachment(attachment, fixed)
    const b = await encryptAttachment(attachment, fixed)
    expect(a.payload).toEqual(b.payload)
    expect(a.contentDigest).toMatch(/^[0-9a-f]{64}$/)
    expect(a.contentLength).toBe(a.payload.length)
    expect(await decryptAttachment(a.payload, a)).toEqual(attachment)
    const random = await encryptAttachment(attachment)
    expect(random.payload).not.toEqual(a.payload)
    expect(await decryptAttachment(random.payload, random)).toEqual(attachment)
  })

  it('checks the digest first, then the key', async () => {
    const enc = await encryptAttachment(attachment, fixed)
    const tampered = enc.payload.slice()
    tampered[0] = (tampered[0] as number) ^ 1
    await expectCodeAsync(decryptAttachment(tampered, enc), 'ContentType::DigestMismatch')
    await expectCodeAsync(
      decryptAttachment(enc.payload, { ...enc, secret: new Uint8Array(32).fill(9) }),
      'ContentType::DecryptionFailed',
    )
    await expectCodeAsync(
      decryptAttachment(enc.payload, { ...enc, nonce: new Uint8Array(12) }),
      'ContentType::DecryptionFailed',
    )
    await expectCodeAsync(
      decryptAttachment(enc.payload, { ...enc, salt: new Uint8Array(4) }),
      'ContentType::InvalidParameter',
    )
    // Decrypts, but the plaintext is not an EncodedContent.
    const notProto = await encryptEncodedContent(new TextCodec().encode('x'), fixed)
    await expectCodeAsync(decryptAttachment(notProto.payload, notProto), 'ContentType::TypeMismatch')
  })
})

describe('RemoteAttachmentCodec', () => {
  const codec = new RemoteAttachmentCodec()
  const remote: RemoteAttachment = {
    url: 'https://cdn.example/abc',
    contentDigest: 'ab'.repeat(32),
    ...fixed,
    scheme: 'https://',
    contentLength: 123,
    filename: 'a.png',
  }

  it('round-trips the parameters as hex', () => {
    const encoded = codec.encode(remote)
    expect(encoded.parameters).toEqual({
      contentDigest: remote.contentDigest,
      salt: '02'.repeat(32),
      nonce: '03'.repeat(12),
      secret: '01'.repeat(32),
      scheme: 'https://',
      contentLength: '123',
      filename: 'a.png',
    })
    expect(codec.decode(encoded)).toEqual(remote)
    expect(codec.fallback(remote)).toBe("Can't display a.png. This app doesn't support remote attachments.")
  })

  it('refuses http unless opted in, and malformed parameters', () => {
    expectCode(() => codec.encode({ ...remote, url: 'http://cdn.example/x' }), 'ContentType::InsecureUrl')
    expectCode(() => codec.encode({ ...remote, url: 'not a url' }), 'ContentType::InsecureUrl')
    for (const contentDigest of ['ab', 'AB'.repeat(32), `${'ab'.repeat(31)}zz`]) {
      expectCode(() => codec.encode({ ...remote, contentDigest }), 'ContentType::InvalidContent')
    }
    expect(
      new RemoteAttachmentCodec({ allowInsecureHttp: true }).encode({ ...remote, url: 'http://x/y' }).content
        .length,
    ).toBe(10)
    const encoded = codec.encode(remote)
    for (const [k, v] of [
      ['salt', 'zz'],
      ['nonce', '0'],
      ['contentDigest', 'abc'],
      ['contentLength', '-1'],
      ['contentLength', '99999999999'],
    ]) {
      expectCode(
        () => codec.decode({ ...encoded, parameters: { ...encoded.parameters, [k as string]: v as string } }),
        'ContentType::InvalidParameter',
      )
    }
    const { secret: _s, ...noSecret } = encoded.parameters
    expectCode(() => codec.decode({ ...encoded, parameters: noSecret }), 'ContentType::InvalidParameter')
    expectCode(() => codec.decode({ ...encoded, type: ContentTypeText }), 'ContentType::TypeMismatch')
    expect(ContentTypeRemoteAttachment.toString()).toBe('xmtp.org/remoteStaticAttachment:1.0')
  })
})

describe('loading from a real local HTTP server', () => {
  it('downloads, verifies and decrypts when http is allowed', async () => {
    const remote = await published('/ok')
    expect(await loadRemoteAttachment(remote, { allowInsecureHttp: true })).toEqual(attachment)
  })

  it('refuses http by default, before any request', async () => {
    const remote = await published('/ok2')
    await expectCodeAsync(loadRemoteAttachment(remote), 'ContentType::InsecureUrl')
    await expectCodeAsync(
      fetchRemoteBytes({ url: remote.url, maxBytes: 100, allowInsecureHttp: false }),
      'ContentType::InsecureUrl',
    )
  })

  it('reports a bad digest, a wrong key, HTTP errors, empty bodies and oversized payloads', async () => {
    const remote = await published('/tampered')
    const body = (bodies.get('/tampered')?.body ?? new Uint8Array(1)).slice()
    body[body.length - 1] = (body[body.length - 1] as number) ^ 0xff
    bodies.set('/tampered', { status: 200, body })
    const opts = { allowInsecureHttp: true }
    await expectCodeAsync(loadRemoteAttachment(remote, opts), 'ContentType::DigestMismatch')
    const good = await published('/wrongkey')
    await expectCodeAsync(
      loadRemoteAttachment({ ...good, secret: new Uint8Array(32) }, opts),
      'ContentType::DecryptionFailed',
    )
    const missing = await expectCodeAsync(
      loadRemoteAttachment({ ...good, url: `${base}/missing` }, opts),
      'ContentType::FetchFailed',
    )
    expect(missing.retryable).toBe(false)
    bodies.set('/down', { status: 503, body: new Uint8Array() })
    const down = await expectCodeAsync(
      loadRemoteAttachment({ ...good, url: `${base}/down` }, opts),
      'ContentType::FetchFailed',
    )
    expect(down.retryable).toBe(true)
    bodies.set('/empty', { status: 200, body: new Uint8Array() })
    await expectCodeAsync(
      loadRemoteAttachment({ ...good, url: `${base}/empty` }, opts),
      'ContentType::FetchFailed',
    )
    bodies.set('/big', { status: 200, body: new Uint8Array(200_000) })
    const { contentLength: _c, ...undeclared } = good
    await expectCodeAsync(
      loadRemoteAttachment({ ...undeclared, url: `${base}/big` }, { ...opts, maxBytes: 100_000 }),
      'ContentType::ContentTooLarge',
    )
    await expectCodeAsync(
      loadRemoteAttachment({ ...good, contentLength: 10_000_000 }, { ...opts, maxBytes: 1000 }),
      'ContentType::ContentTooLarge',
    )
  })

  it('uses a pluggable fetcher', async () => {
    const remote = await published('/plug')
    const seen: string[] = []
    const content = await loadRemoteContent(
      { ...remote, url: 'https://cdn.example/plug' },
      {
        fetcher: async (req) => {
          seen.push(req.url)
          return fetchRemoteBytes({ ...req, url: `${base}/plug`, allowInsecureHttp: true })
        },
      },
    )
    expect(seen).toEqual(['https://cdn.example/plug'])
    expect(content.parameters.filename).toBe('hello.txt')
  })
})
