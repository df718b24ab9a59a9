/**
 * The WebSocket API: the same rpcs, request and response messages as the gRPC API, framed by
 * `xmtplite.ws.v1.Frame` (wsFrames.ts) over one connection, for browsers and the xmtp-lite client.
 * Server streams apply back-pressure through the socket: a reader that stops reading is cut off with
 * `Node::SlowReader` once its queue is full, so memory stays bounded.
 * @module
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http'
import { type WebSocket, WebSocketServer } from 'ws'
import { NodeError } from './errors.ts'
import { flagsMetadataKey } from './flags.ts'
import { grpcMaxMessageBytes, grpcStatusOf } from './grpc.ts'
import { type RpcMethod, rpcMethods } from './rpc.ts'
import type { CallContext, NodeService, SubscriptionHandle } from './service.ts'
import { decodeFrame, encodeFrame, type Frame } from './wsFrames.ts'

/** Options of {@link attachWebSocketServer}. */
export interface WebSocketApiParams {
  readonly server: HttpServer
  readonly service: NodeService
  /** The URL path to accept (default `/ws`; `/` also accepted). */
  readonly path?: string
  /** Open calls per connection (default 1,000). */
  readonly maxCallsPerConnection?: number
  /** Frames a stream may have in the socket's send buffer before it waits (default 64). */
  readonly maxInFlightFrames?: number
}

/** The running WebSocket API. */
export interface WebSocketApi {
  close(): void
}

function errorFrame(requestId: number, method: string, error: unknown): Frame {
  const status = grpcStatusOf(error)
  const code = error instanceof NodeError ? error.code : 'Node::Internal'
  return {
    requestId,
    method,
    body: { kind: 'error', code, status: status.code, message: status.details },
    metadata: {},
  }
}

/** Serves the WebSocket API on an HTTP server's upgrade requests. */
export function attachWebSocketServer(params: WebSocketApiParams): WebSocketApi {
  const methods = rpcMethods(params.service)
  const path = params.path ?? '/ws'
  const maxCalls = params.maxCallsPerConnection ?? 1000
  const maxInFlight = params.maxInFlightFrames ?? 64
  const wss = new WebSocketServer({ noServer: true, maxPayload: grpcMaxMessageBytes })
  const onUpgrade = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const url = req.url ?? '/'
    if (url !== path && url !== '/') {
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, req))
  }
  params.server.on('upgrade', onUpgrade)

  function serve(ws: WebSocket, req: IncomingMessage): void {
    const ctx: CallContext = { client: req.socket.remoteAddress ?? 'unknown' }
    const calls = new Map<number, SubscriptionHandle | 'unary'>()
    let inFlight = 0
    let waiters: (() => void)[] = []
    const send = (frame: Frame) => {
      if (ws.readyState !== ws.OPEN) return
      inFlight++
      ws.send(encodeFrame(frame), () => {
        inFlight--
        if (inFlight <= maxInFlight / 4 && waiters.length > 0) {
          const ready = waiters
          waiters = []
          for (const w of ready) w()
        }
      })
    }
    ws.on('message', (data, isBinary) => {
      let frame: Frame
      try {
        if (!isBinary) throw new NodeError('Node::MalformedRequest', 'frames are binary')
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
        frame = decodeFrame(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      } catch (error) {
        send(errorFrame(0, '', error))
        return
      }
      handle(frame)
    })
    ws.on('close', () => {
      for (const call of calls.values()) if (call !== 'unary') call.cancel()
      calls.clear()
      for (const w of waiters) w()
      waiters = []
    })
    ws.on('error', () => ws.terminate())

    function handle(frame: Frame): void {
      const id = frame.requestId
      if (frame.body.kind === 'cancel') {
        const call = calls.get(id)
        if (call !== undefined && call !== 'unary') call.cancel()
        calls.delete(id)
        return
      }
      if (frame.body.kind !== 'request') {
        // Client streams (stream_item / stream_end) exist only for the bidi Subscribe, which is unimplemented.
        send(
          errorFrame(
            id,
            frame.method,
            new NodeError('Node::Unimplemented', 'only unary and server-stream calls'),
          ),
        )
        return
      }
      if (calls.has(id)) {
        send(
          errorFrame(id, frame.method, new NodeError('Node::InvalidArgument', 'request id already in use')),
        )
        return
      }
      if (calls.size >= maxCalls) {
        send(errorFrame(id, frame.method, new NodeError('Node::BatchTooLarge', 'too many open calls')))
        return
      }
      const method: RpcMethod | undefined = methods.get(frame.method)
      if (method === undefined) {
        send(
          errorFrame(
            id,
            frame.method,
            new NodeError('Node::Unimplemented', `unknown method ${frame.method}`),
          ),
        )
        return
      }
      const payload = frame.body.payload
      // Request metadata as in gRPC: `x-xmtp-lite-flags` declares the client's feature flags (src/flags.ts).
      const declared = frame.metadata[flagsMetadataKey]
      const callCtx: CallContext = declared === undefined ? ctx : { ...ctx, flags: declared }
      if (method.kind === 'unary') {
        calls.set(id, 'unary')
        method.handle(callCtx, payload).then(
          (response) => {
            if (calls.delete(id))
              send({
                requestId: id,
                method: method.path,
                body: { kind: 'response', payload: response },
                metadata: {},
              })
          },
          (error: unknown) => {
            if (calls.delete(id)) send(errorFrame(id, method.path, error))
          },
        )
        return
      }
      let ended = false
      try {
        const handle = method.open(callCtx, payload, {
          write: (item) => {
            if (ended) return true
            send({
              requestId: id,
              method: method.path,
              body: { kind: 'streamItem', payload: item },
              metadata: {},
            })
            return inFlight < maxInFlight
          },
          drained: () =>
            inFlight < maxInFlight || ws.readyState !== ws.OPEN
              ? Promise.resolve()
              : new Promise<void>((resolve) => waiters.push(resolve)),
          end: (error) => {
            if (ended) return
            ended = true
            calls.delete(id)
            send(
              error === undefined
                ? { requestId: id, method: method.path, body: { kind: 'streamEnd' }, metadata: {} }
                : errorFrame(id, method.path, error),
            )
          },
        })
        if (!ended) calls.set(id, handle)
      } catch (error) {
        send(errorFrame(id, method.path, error))
      }
    }
  }

  return {
    close() {
      params.server.off('upgrade', onUpgrade)
      for (const client of wss.clients) client.close(1001, 'node shutting down')
      wss.close()
    },
  }
}
