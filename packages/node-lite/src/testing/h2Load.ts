/**
 * A lean gRPC client for load generation: plain `node:http2` speaking the gRPC wire format (a 5-byte
 * length prefix per message, `grpc-status` in the trailers; gRPC over HTTP/2 spec) to the node's real
 * grpc-js server. The grpc-js client costs more CPU per call than the node serving it, so on a shared
 * 2-core machine a benchmark driven by it measures mostly its own client; tonic (libxmtp) is lean like
 * this one. Not exported from the package.
 * @module
 */
import { type ClientHttp2Session, type ClientHttp2Stream, connect } from 'node:http2'

/** The answer of a unary call. */
export interface H2Reply {
  /** `grpc-status` (0 = OK). */
  readonly status: number
  readonly message: Uint8Array | undefined
}

/** An open server stream. */
export interface H2Stream {
  /** Resolves when the response headers arrive (node-lite sends them at once). */
  readonly headers: Promise<void>
  /** Messages received so far. */
  readonly received: () => number
  /** Resolves with the next message. */
  next(): Promise<Uint8Array>
  cancel(): void
}

/** A gRPC client over one HTTP/2 connection. */
export interface H2GrpcClient {
  unary(path: string, request: Uint8Array): Promise<H2Reply>
  stream(path: string, request: Uint8Array): H2Stream
  close(): void
}

function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length)
  out[0] = 0
  out.writeUInt32BE(message.length, 1)
  out.set(message, 5)
  return out
}

/** Splits gRPC length-prefixed messages out of DATA chunks. */
class Deframer {
  private buffer: Buffer = Buffer.alloc(0)
  push(chunk: Buffer, onMessage: (m: Uint8Array) => void): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    while (this.buffer.length >= 5) {
      const length = this.buffer.readUInt32BE(1)
      if (this.buffer.length < 5 + length) return
      onMessage(new Uint8Array(this.buffer.subarray(5, 5 + length)))
      this.buffer = this.buffer.subarray(5 + length)
    }
  }
}

function open(session: ClientHttp2Session, path: string, request: Uint8Array): ClientHttp2Stream {
  const req = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
  })
  req.end(frame(request))
  return req
}

/** Connects to `127.0.0.1:<port>` over h2c. */
export function connectH2Grpc(port: number): H2GrpcClient {
  const session = connect(`http://127.0.0.1:${port}`)
  session.on('error', () => {})
  return {
    unary(path, request) {
      return new Promise<H2Reply>((resolve, reject) => {
        const req = open(session, path, request)
        const deframer = new Deframer()
        let message: Uint8Array | undefined
        let status = -1
        req.on('response', (headers) => {
          // A trailers-only answer carries grpc-status in the headers.
          if (headers['grpc-status'] !== undefined) status = Number(headers['grpc-status'])
        })
        req.on('data', (chunk: Buffer) =>
          deframer.push(chunk, (m) => {
            message = m
          }),
        )
        req.on('trailers', (trailers) => {
          status = Number(trailers['grpc-status'])
        })
        req.on('error', reject)
        req.on('close', () => resolve({ status, message }))
      })
    },
    stream(path, request) {
      const req = open(session, path, request)
      const deframer = new Deframer()
      const messages: Uint8Array[] = []
      let read = 0
      let wake: (() => void) | undefined
      req.on('data', (chunk: Buffer) =>
        deframer.push(chunk, (m) => {
          messages.push(m)
          wake?.()
        }),
      )
      req.on('error', () => {})
      const headers = new Promise<void>((resolve, reject) => {
        req.once('response', () => resolve())
        req.once('close', () => reject(new Error('stream closed before headers')))
      })
      headers.catch(() => {})
      return {
        headers,
        received: () => messages.length,
        async next() {
          while (read >= messages.length) await new Promise<void>((r) => (wake = r))
          return messages[read++] as Uint8Array
        },
        cancel: () => req.close(),
      }
    },
    close: () => session.close(),
  }
}
