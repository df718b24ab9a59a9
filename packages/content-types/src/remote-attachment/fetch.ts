/**
 * Downloading remote attachments. The transport is a pluggable {@link RemoteFetcher}; the default one uses
 * `fetch`, refuses non-https URLs (also after redirects) unless the caller opts in, and stops reading once
 * the body passes `maxBytes`.
 * @module
 */
import { concatBytes } from '@xmtp-lite/common'
import { type Attachment, AttachmentCodec } from '../attachment/attachment.ts'
import type { EncodedContent } from '../codec.ts'
import { type Compressor, decompressEncodedContent } from '../compression.ts'
import { ContentTypeError } from '../errors.ts'
import { decryptEncodedContent } from './encryption.ts'
import { assertSecureUrl, type RemoteAttachment, type UrlPolicy } from './remoteAttachment.ts'
import type { AttachmentCrypto } from './webCrypto.ts'

/** Default cap on a downloaded payload: 64 MiB. */
export const DEFAULT_MAX_REMOTE_BYTES = 64 * 1024 * 1024

/** What a fetcher is asked for. */
export interface RemoteFetchRequest {
  readonly url: string
  /** Stop and throw `ContentType::ContentTooLarge` past this many bytes. */
  readonly maxBytes: number
  readonly allowInsecureHttp: boolean
  readonly signal?: AbortSignal
}

/** Downloads the bytes at a URL; must throw `ContentTypeError`s (`FetchFailed`, `ContentTooLarge`, `InsecureUrl`). */
export type RemoteFetcher = (request: RemoteFetchRequest) => Promise<Uint8Array>

/** The default {@link RemoteFetcher}, on `globalThis.fetch`. */
export const fetchRemoteBytes: RemoteFetcher = async (request) => {
  const policy = { allowInsecureHttp: request.allowInsecureHttp }
  assertSecureUrl(request.url, policy)
  const controller = new AbortController()
  const onAbort = () => controller.abort(request.signal?.reason)
  request.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    let response: Response
    try {
      response = await fetch(request.url, { signal: controller.signal, redirect: 'follow' })
    } catch (error) {
      throw new ContentTypeError('ContentType::FetchFailed', 'the download failed', { cause: error })
    }
    // A redirect must not downgrade the transport.
    if (response.url !== '') assertSecureUrl(response.url, policy)
    if (!response.ok) {
      controller.abort()
      throw new ContentTypeError('ContentType::FetchFailed', `the server answered ${response.status}`, {
        retryable: response.status >= 500 || response.status === 429,
      })
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN)
    if (declared > request.maxBytes) {
      controller.abort()
      throw new ContentTypeError(
        'ContentType::ContentTooLarge',
        `the payload of ${declared} bytes exceeds the limit`,
      )
    }
    const chunks: Uint8Array[] = []
    let total = 0
    const body = response.body
    if (body !== null) {
      const reader = body.getReader()
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          total += value.length
          if (total > request.maxBytes) {
            controller.abort()
            throw new ContentTypeError(
              'ContentType::ContentTooLarge',
              `the payload exceeds ${request.maxBytes} bytes`,
            )
          }
          chunks.push(value)
        }
      } catch (error) {
        if (error instanceof ContentTypeError) throw error
        throw new ContentTypeError('ContentType::FetchFailed', 'the download was interrupted', {
          cause: error,
        })
      }
    }
    if (total === 0) throw new ContentTypeError('ContentType::FetchFailed', 'the server sent an empty body')
    return concatBytes(...chunks)
  } finally {
    request.signal?.removeEventListener('abort', onAbort)
  }
}

/** Options of {@link loadRemoteContent} and {@link loadRemoteAttachment}. */
export interface LoadRemoteOptions extends UrlPolicy {
  /** The transport (default {@link fetchRemoteBytes}). */
  readonly fetcher?: RemoteFetcher
  /** Cap on the downloaded payload (default {@link DEFAULT_MAX_REMOTE_BYTES}). */
  readonly maxBytes?: number
  /** Cap on decompressed content (default 16 MiB). */
  readonly maxDecompressedBytes?: number
  readonly crypto?: AttachmentCrypto
  readonly compressor?: Compressor
  readonly signal?: AbortSignal
}

/**
 * Downloads, verifies (digest first), decrypts and decompresses the content of a remote attachment.
 * @throws {ContentTypeError} `InsecureUrl`, `ContentTooLarge`, `FetchFailed`, `DigestMismatch`,
 * `DecryptionFailed`, `MalformedProtobuf`, and the decompression codes.
 */
export async function loadRemoteContent(
  remote: RemoteAttachment,
  options: LoadRemoteOptions = {},
): Promise<EncodedContent> {
  const allowInsecureHttp = options.allowInsecureHttp === true
  assertSecureUrl(remote.url, { allowInsecureHttp })
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_REMOTE_BYTES
  if (remote.contentLength !== undefined && remote.contentLength > maxBytes) {
    throw new ContentTypeError(
      'ContentType::ContentTooLarge',
      `contentLength ${remote.contentLength} exceeds the limit`,
    )
  }
  const fetcher = options.fetcher ?? fetchRemoteBytes
  const payload = await fetcher({
    url: remote.url,
    maxBytes,
    allowInsecureHttp,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  if (payload.length > maxBytes) {
    throw new ContentTypeError('ContentType::ContentTooLarge', `the payload exceeds ${maxBytes} bytes`)
  }
  const encoded = await decryptEncodedContent(
    payload,
    remote,
    options.crypto === undefined ? {} : { crypto: options.crypto },
  )
  return decompressEncodedContent(encoded, {
    ...(options.maxDecompressedBytes === undefined ? {} : { maxBytes: options.maxDecompressedBytes }),
    ...(options.compressor === undefined ? {} : { compressor: options.compressor }),
  })
}

/** {@link loadRemoteContent}, then decodes the attachment (`TypeMismatch` if it is not one). */
export async function loadRemoteAttachment(
  remote: RemoteAttachment,
  options: LoadRemoteOptions = {},
): Promise<Attachment> {
  return new AttachmentCodec().decode(await loadRemoteContent(remote, options))
}
