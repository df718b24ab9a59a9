/**
 * The gRPC transport (Node): plaintext HTTP/2 for `http://` URLs, TLS for `https://`, through
 * `@grpc/grpc-js`. Requests and responses stay bytes; the API layer owns the protobuf.
 *
 * libxmtp sends `x-app-version` and `x-libxmtp-version` on every call (v3-node-api-and-identity.md §1.6);
 * we send `x-app-version` and `x-xmtp-lite-version` so a node can tell the two apart.
 * @module
 */
import * as grpc from '@grpc/grpc-js'
import { ClientError } from '../errors.ts'
import { flagsMetadataKey } from '../flags.ts'
import { errorFromStatus } from './status.ts'
import type { CallOptions, StreamCall, StreamSink, Transport } from './transport.ts'
import { clientVersion } from './version.ts'

/** Options of {@link createGrpcTransport}. */
export interface GrpcTransportOptions {
  /** `http://host:port` (h2c) or `https://host:port` (TLS). */
  readonly url: string
  /** Sent as `x-app-version`. */
  readonly appVersion?: string
  /** Default deadline of unary calls in milliseconds (default 30,000). */
  readonly timeoutMs?: number
  /** Feature flags declared to the node on every call (`x-xmtp-lite-flags`, src/flags.ts). */
  readonly flags?: readonly string[]
}

const passthrough = (value: Uint8Array): Buffer =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength)
const receive = (value: Buffer): Uint8Array =>
  new Uint8Array(value.buffer, value.byteOffset, value.byteLength)

/**
 * A transport to one XMTP V3 node over gRPC.
 * @throws {ClientError} `Client::InvalidArgument` for a URL that is not http(s).
 */
export function createGrpcTransport(options: GrpcTransportOptions): Transport {
  let url: URL
  try {
    url = new URL(options.url)
  } catch (cause) {
    throw new ClientError('Client::InvalidArgument', `not a URL: ${options.url}`, { cause })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ClientError('Client::InvalidArgument', `gRPC needs an http(s) URL, got ${url.protocol}`)
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port
  const credentials =
    url.protocol === 'https:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure()
  const client = new grpc.Client(`${url.hostname}:${port}`, credentials, {
    'grpc.max_receive_message_length': 50 * 1024 * 1024,
    'grpc.max_send_message_length': 50 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
  })
  const defaultTimeout = options.timeoutMs ?? 30_000
  let closed = false

  const metadata = (): grpc.Metadata => {
    const m = new grpc.Metadata()
    m.set('x-app-version', options.appVersion ?? clientVersion)
    m.set('x-xmtp-lite-version', clientVersion)
    if (options.flags !== undefined && options.flags.length > 0)
      m.set(flagsMetadataKey, options.flags.join(','))
    return m
  }

  return {
    unary(path: string, request: Uint8Array, callOptions: CallOptions = {}): Promise<Uint8Array> {
      if (closed) return Promise.reject(new ClientError('Client::Closed', 'the gRPC transport is closed'))
      const deadline = Date.now() + (callOptions.timeoutMs ?? defaultTimeout)
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          path,
          passthrough,
          receive,
          request,
          metadata(),
          { deadline },
          (error: grpc.ServiceError | null, response?: Uint8Array) => {
            if (error !== null) reject(errorFromStatus(error.code, error.details || error.message, path))
            else resolve(response ?? new Uint8Array(0))
          },
        )
      })
    },

    serverStream(path: string, request: Uint8Array, sink: StreamSink): StreamCall {
      if (closed) {
        queueMicrotask(() => sink.onError(new ClientError('Client::Closed', 'the gRPC transport is closed')))
        return { cancel() {} }
      }
      const call = client.makeServerStreamRequest(path, passthrough, receive, request, metadata(), {})
      let done = false
      let cancelled = false
      call.on('metadata', () => {
        if (!done && !cancelled) sink.onOpen?.()
      })
      call.on('data', (message: Uint8Array) => {
        if (!done && !cancelled) sink.onMessage(message)
      })
      call.on('error', (error: grpc.ServiceError) => {
        if (done || cancelled) return
        done = true
        sink.onError(errorFromStatus(error.code, error.details || error.message, path))
      })
      call.on('end', () => {
        if (done || cancelled) return
        done = true
        sink.onEnd()
      })
      return {
        cancel() {
          if (cancelled) return
          cancelled = true
          call.cancel()
        },
      }
    },

    async close(): Promise<void> {
      closed = true
      client.close()
    },
  }
}
