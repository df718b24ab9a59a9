/**
 * The browser stand-in of the gRPC transport, chosen by the `browser` condition of the package's `#grpc`
 * import: browsers cannot speak HTTP/2 gRPC, so the client bundle carries no `@grpc/grpc-js` (nor any
 * `node:` module) and a browser app uses `createWebSocketTransport` to node-lite instead.
 * @module
 */
import { ClientError } from '../errors.ts'
import type { Transport } from './transport.ts'

/** Options of {@link createGrpcTransport} (as in Node). */
export interface GrpcTransportOptions {
  readonly url: string
  readonly appVersion?: string
  readonly timeoutMs?: number
}

/**
 * Not available in browsers.
 * @throws {ClientError} `Client::InvalidArgument` always: give `transport: createWebSocketTransport(...)`.
 */
export function createGrpcTransport(_options: GrpcTransportOptions): Transport {
  throw new ClientError(
    'Client::InvalidArgument',
    'gRPC needs Node: in a browser, give transport: createWebSocketTransport({ url })',
  )
}
