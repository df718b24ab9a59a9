/**
 * The transport seam: bytes in, bytes out, by gRPC method path (`/xmtp.mls.api.v1.MlsApi/<Method>`).
 * The gRPC transport talks to any XMTP V3 node; the WebSocket transport carries the same requests to
 * node-lite from browsers. The API layer above encodes and decodes the protobuf messages.
 * @module
 */
import type { ClientError } from '../errors.ts'

/** Per-call options. */
export interface CallOptions {
  /** Deadline in milliseconds from now. */
  readonly timeoutMs?: number
}

/** Receives the items of a server stream. */
export interface StreamSink {
  /** The node accepted the stream (response headers arrived). */
  onOpen?(): void
  onMessage(message: Uint8Array): void
  /** The stream ended with an error; no more callbacks follow. */
  onError(error: ClientError): void
  /** The node ended the stream cleanly; no more callbacks follow. */
  onEnd(): void
}

/** A running server stream. */
export interface StreamCall {
  /** Stops the stream; no callback follows. */
  cancel(): void
}

/** Moves requests and responses between the client and one node. */
export interface Transport {
  /**
   * One request, one response.
   * @throws {ClientError} with a retryable code for transient failures.
   */
  unary(path: string, request: Uint8Array, options?: CallOptions): Promise<Uint8Array>
  /** One request, a stream of responses. */
  serverStream(path: string, request: Uint8Array, sink: StreamSink): StreamCall
  /** Closes the connection; later calls fail with `Client::Closed`. */
  close(): Promise<void>
}
