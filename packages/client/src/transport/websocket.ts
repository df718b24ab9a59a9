/**
 * The WebSocket transport: the V3 requests framed by `xmtplite.ws.v1.Frame` over one socket to node-lite.
 * Works in browsers (the global `WebSocket`) and in Node (the global one on Node 22+, the `ws` package on
 * Node 20, loaded only there). The socket opens on the first call and again after it drops; a drop fails
 * the calls in flight with the retryable `Client::Unavailable` and ends open streams with it, so the layer
 * above resumes them from its cursors.
 * @module
 */
import { xmtplite } from '@xmtp-lite/proto'
import { ClientError } from '../errors.ts'
import { flagsMetadataKey } from '../flags.ts'
import { errorFromStatus, GrpcStatus } from './status.ts'
import type { CallOptions, StreamCall, StreamSink, Transport } from './transport.ts'

const Frame = xmtplite.ws.v1.Frame

/** The part of the WebSocket API both the DOM and `ws` implement. */
interface SocketLike {
  binaryType: string
  readyState: number
  send(data: Uint8Array): void
  close(): void
  onopen: ((event: unknown) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
}

type SocketConstructor = new (url: string) => SocketLike

/** Options of {@link createWebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** `ws://host:port/ws` */
  readonly url: string
  /** Default deadline of unary calls in milliseconds (default 30,000). */
  readonly timeoutMs?: number
  /** Feature flags declared to the node in every request frame's metadata (src/flags.ts). */
  readonly flags?: readonly string[]
  /** A WebSocket constructor to use instead of the platform's. */
  readonly WebSocket?: SocketConstructor
}

async function platformWebSocket(): Promise<SocketConstructor> {
  const global = (globalThis as { WebSocket?: SocketConstructor }).WebSocket
  if (global !== undefined) return global
  const ws = (await import('ws')) as unknown as { WebSocket: SocketConstructor }
  return ws.WebSocket
}

interface Pending {
  readonly method: string
  readonly unary?: {
    resolve(v: Uint8Array): void
    reject(e: ClientError): void
    timer: ReturnType<typeof setTimeout>
  }
  readonly sink?: StreamSink
}

function toBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (Array.isArray(data)) {
    const parts = data as Uint8Array[]
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let o = 0
    for (const p of parts) {
      out.set(p, o)
      o += p.length
    }
    return out
  }
  return undefined
}

/** A transport to node-lite's WebSocket API. */
export function createWebSocketTransport(options: WebSocketTransportOptions): Transport {
  const defaultTimeout = options.timeoutMs ?? 30_000
  const pending = new Map<number, Pending>()
  let nextId = 1
  let socket: Promise<SocketLike> | undefined
  let closed = false

  const failAll = (error: ClientError) => {
    for (const [, p] of pending) {
      if (p.unary !== undefined) {
        clearTimeout(p.unary.timer)
        p.unary.reject(error)
      } else p.sink?.onError(error)
    }
    pending.clear()
  }

  const onFrame = (bytes: Uint8Array) => {
    let frame: ReturnType<typeof Frame.decode>
    try {
      frame = Frame.decode(bytes)
    } catch {
      return
    }
    const p = pending.get(frame.requestId)
    if (p === undefined) return
    if (frame.response !== null && frame.response !== undefined) {
      pending.delete(frame.requestId)
      if (p.unary !== undefined) {
        clearTimeout(p.unary.timer)
        p.unary.resolve(frame.response)
      }
    } else if (frame.streamItem !== null && frame.streamItem !== undefined) {
      p.sink?.onMessage(frame.streamItem)
    } else if (frame.streamEnd !== null && frame.streamEnd !== undefined) {
      pending.delete(frame.requestId)
      p.sink?.onEnd()
    } else if (frame.error !== null && frame.error !== undefined) {
      pending.delete(frame.requestId)
      const code = frame.error.code ?? ''
      const error =
        code === 'Node::SlowReader'
          ? new ClientError('Client::StreamOverflow', `${p.method}: ${frame.error.message ?? ''}`, {
              status: frame.error.status ?? GrpcStatus.RESOURCE_EXHAUSTED,
            })
          : errorFromStatus(frame.error.status ?? GrpcStatus.UNKNOWN, frame.error.message ?? code, p.method)
      if (p.unary !== undefined) {
        clearTimeout(p.unary.timer)
        p.unary.reject(error)
      } else p.sink?.onError(error)
    }
  }

  const connect = (): Promise<SocketLike> => {
    socket ??= (async () => {
      const Ctor = options.WebSocket ?? (await platformWebSocket())
      const ws = new Ctor(options.url)
      ws.binaryType = 'arraybuffer'
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve()
        ws.onerror = () => reject(new ClientError('Client::Unavailable', `cannot connect to ${options.url}`))
        ws.onclose = () => reject(new ClientError('Client::Unavailable', `cannot connect to ${options.url}`))
      })
      ws.onmessage = (event) => {
        const bytes = toBytes(event.data)
        if (bytes !== undefined) onFrame(bytes)
      }
      ws.onerror = () => {}
      ws.onclose = () => {
        socket = undefined
        failAll(new ClientError('Client::Unavailable', `the connection to ${options.url} closed`))
      }
      return ws
    })()
    const attempt = socket
    attempt.catch(() => {
      if (socket === attempt) socket = undefined
    })
    return attempt
  }

  // Request metadata as in gRPC: the feature flags this client declares (node-lite src/flags.ts).
  const requestMetadata: Record<string, string> =
    options.flags !== undefined && options.flags.length > 0
      ? { [flagsMetadataKey]: options.flags.join(',') }
      : {}
  const send = async (frame: Parameters<typeof Frame.encode>[0]) => {
    const ws = await connect()
    ws.send(Frame.encode(frame).finish())
  }

  return {
    unary(path: string, request: Uint8Array, callOptions: CallOptions = {}): Promise<Uint8Array> {
      if (closed)
        return Promise.reject(new ClientError('Client::Closed', 'the WebSocket transport is closed'))
      const requestId = nextId++
      return new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(requestId)
          reject(new ClientError('Client::Timeout', `${path} timed out`))
          void send({ requestId, method: path, cancel: {} }).catch(() => {})
        }, callOptions.timeoutMs ?? defaultTimeout)
        pending.set(requestId, { method: path, unary: { resolve, reject, timer } })
        send({ requestId, method: path, request, metadata: requestMetadata }).catch((error: unknown) => {
          clearTimeout(timer)
          pending.delete(requestId)
          reject(error instanceof ClientError ? error : new ClientError('Client::Unavailable', String(error)))
        })
      })
    },

    serverStream(path: string, request: Uint8Array, sink: StreamSink): StreamCall {
      const requestId = nextId++
      let cancelled = false
      if (closed) {
        queueMicrotask(() =>
          sink.onError(new ClientError('Client::Closed', 'the WebSocket transport is closed')),
        )
        return { cancel() {} }
      }
      pending.set(requestId, {
        method: path,
        sink: {
          onMessage: (m) => {
            if (!cancelled) sink.onMessage(m)
          },
          onError: (e) => {
            if (!cancelled) sink.onError(e)
          },
          onEnd: () => {
            if (!cancelled) sink.onEnd()
          },
        },
      })
      send({ requestId, method: path, request, metadata: requestMetadata }).then(
        () => {
          if (!cancelled) sink.onOpen?.()
        },
        (error: unknown) => {
          pending.delete(requestId)
          if (!cancelled) {
            sink.onError(
              error instanceof ClientError ? error : new ClientError('Client::Unavailable', String(error)),
            )
          }
        },
      )
      return {
        cancel() {
          if (cancelled) return
          cancelled = true
          pending.delete(requestId)
          void send({ requestId, method: path, cancel: {} }).catch(() => {})
        },
      }
    },

    async close(): Promise<void> {
      closed = true
      const current = socket
      socket = undefined
      failAll(new ClientError('Client::Closed', 'the WebSocket transport is closed'))
      if (current !== undefined) (await current.catch(() => undefined))?.close()
    },
  }
}
