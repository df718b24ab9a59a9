/**
 * The XMTP V3 gRPC API over plaintext HTTP/2 (h2c) with `@grpc/grpc-js`: `xmtp.mls.api.v1.MlsApi` and
 * `xmtp.identity.api.v1.IdentityApi`, exactly the paths libxmtp calls (§1.1-§1.2). Request bodies reach
 * the handlers as raw bytes, so a malformed protobuf is answered INVALID_ARGUMENT by our own decoder
 * rather than grpc-js's generic INTERNAL. Server streams send their response headers at once: tonic
 * clients (libxmtp) wait for them before anything else (§1.6, interop.md).
 * @module
 */
import {
  ServerCredentials as Credentials,
  type handleServerStreamingCall,
  type handleUnaryCall,
  Metadata,
  Server,
  type ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js'
import { NodeError, type NodeErrorCode } from './errors.ts'
import { flagsMetadataKey } from './flags.ts'
import { bidiSubscribePath, mlsServiceName, type RpcMethod, rpcMethods } from './rpc.ts'
import type { CallContext, NodeService } from './service.ts'

/** gRPC's payload limit in libxmtp and xmtpd: 25 MiB (`GRPC_PAYLOAD_LIMIT`, anchors §1.1). */
export const grpcMaxMessageBytes = 25 * 1024 * 1024

const statusOfCode: Record<NodeErrorCode, status> = {
  'Node::InvalidArgument': status.INVALID_ARGUMENT,
  'Node::MalformedRequest': status.INVALID_ARGUMENT,
  'Node::InvalidGroupMessage': status.INVALID_ARGUMENT,
  'Node::InvalidKeyPackage': status.INVALID_ARGUMENT,
  'Node::InvalidIdentityUpdate': status.INVALID_ARGUMENT,
  'Node::BatchTooLarge': status.INVALID_ARGUMENT,
  'Node::ScwChainNotConfigured': status.FAILED_PRECONDITION,
  'Node::ScwRpcFailed': status.UNAVAILABLE,
  'Node::InboxLogFull': status.FAILED_PRECONDITION,
  'Node::MessageTooLarge': status.RESOURCE_EXHAUSTED,
  'Node::RateLimited': status.RESOURCE_EXHAUSTED,
  'Node::SlowReader': status.ABORTED,
  'Node::Unimplemented': status.UNIMPLEMENTED,
  'Node::ShuttingDown': status.UNAVAILABLE,
  'Node::StorageFailure': status.INTERNAL,
  'Node::InvalidFlag': status.INVALID_ARGUMENT,
  'Node::FlagNotEnabled': status.FAILED_PRECONDITION,
  'Node::Internal': status.INTERNAL,
}

/** The gRPC status of an error, with the stable code in the `error-code` trailer (as node-go's validator). */
export function grpcStatusOf(error: unknown): { code: status; details: string; metadata: Metadata } {
  const metadata = new Metadata()
  if (error instanceof NodeError) {
    metadata.set('error-code', error.code)
    return { code: statusOfCode[error.code], details: error.shortMessage, metadata }
  }
  metadata.set('error-code', 'Node::Internal')
  return { code: status.INTERNAL, details: 'internal error', metadata }
}

function clientOf(peer: string): string {
  // "127.0.0.1:5555", "::1:5555" or "[::1]:5555" → the address alone: buckets are per client IP (§1.7).
  const bracket = /^\[(.*)\]:\d+$/.exec(peer)
  if (bracket?.[1] !== undefined) return bracket[1]
  const colon = peer.lastIndexOf(':')
  return colon > 0 && /^\d+$/.test(peer.slice(colon + 1)) ? peer.slice(0, colon) : peer
}

/**
 * The context of calls without flags, by peer ("ip:port", one per connection): a connection's calls share
 * one, instead of each parsing the peer and allocating its own. Cleared when full (a peer is a connection,
 * and connections come and go).
 */
const plainContexts = new Map<string, CallContext>()
const maxPlainContexts = 4096

/** The caller: its IP (rate-limit key) and the feature flags it declared (src/flags.ts). */
function contextOf(peer: string, metadata: Metadata): CallContext {
  const flags = metadata.get(flagsMetadataKey)
  if (flags.length > 0) return { client: clientOf(peer), flags: flags.map(String).join(',') }
  let ctx = plainContexts.get(peer)
  if (ctx === undefined) {
    if (plainContexts.size >= maxPlainContexts) plainContexts.clear()
    ctx = { client: clientOf(peer) }
    plainContexts.set(peer, ctx)
  }
  return ctx
}

const passThrough = {
  requestSerialize: (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  requestDeserialize: (buffer: Buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
  responseSerialize: (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  responseDeserialize: (buffer: Buffer) =>
    new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
}

/** The service definitions of both APIs (raw-bytes codecs), for grpc-js `addService` and for clients. */
export function serviceDefinitions(): Record<'mls' | 'identity', ServiceDefinition> {
  const mls: Record<string, unknown> = {}
  const identity: Record<string, unknown> = {}
  for (const method of rpcMethods(undefined as unknown as NodeService).values()) {
    const name = method.path.slice(method.path.lastIndexOf('/') + 1)
    const def = {
      path: method.path,
      requestStream: false,
      responseStream: method.kind === 'stream',
      originalName: name,
      ...passThrough,
    }
    if (method.path.startsWith(`/${mlsServiceName}/`)) mls[name] = def
    else identity[name] = def
  }
  mls.Subscribe = {
    path: bidiSubscribePath,
    requestStream: true,
    responseStream: true,
    originalName: 'Subscribe',
    ...passThrough,
  }
  return { mls: mls as ServiceDefinition, identity: identity as ServiceDefinition }
}

function implementation(methods: Map<string, RpcMethod>, definition: ServiceDefinition) {
  const impl: UntypedServiceImplementation = {}
  for (const [name, def] of Object.entries(definition)) {
    const method = methods.get(def.path)
    if (method === undefined) {
      // Subscribe (bidi, XIP-83): not in node-go either (§2.8).
      impl[name] = (call: { emit(e: string, s: unknown): void }) => {
        call.emit('error', grpcStatusOf(new NodeError('Node::Unimplemented', 'Subscribe is not implemented')))
      }
      continue
    }
    if (method.kind === 'unary') {
      const handleSync = method.handleSync
      const handler: handleUnaryCall<Uint8Array, Uint8Array> =
        handleSync === undefined
          ? (call: ServerUnaryCall<Uint8Array, Uint8Array>, callback) => {
              const ctx = contextOf(call.getPeer(), call.metadata)
              method.handle(ctx, call.request).then(
                (response) => callback(null, response),
                (error: unknown) => callback(grpcStatusOf(error)),
              )
            }
          : (call: ServerUnaryCall<Uint8Array, Uint8Array>, callback) => {
              // Answered in this turn: no promise, no reactions (GetInboxIds, most of the traffic).
              let response: Uint8Array
              try {
                response = handleSync(contextOf(call.getPeer(), call.metadata), call.request)
              } catch (error) {
                callback(grpcStatusOf(error))
                return
              }
              callback(null, response)
            }
      impl[name] = handler
      continue
    }
    const handler: handleServerStreamingCall<Uint8Array, Uint8Array> = (
      call: ServerWritableStream<Uint8Array, Uint8Array>,
    ) => {
      // Headers now, before any message exists: tonic waits for them (node-go sends `subscribed: true`).
      const headers = new Metadata()
      headers.set('subscribed', 'true')
      call.sendMetadata(headers)
      let finished = false
      const finish = (error?: NodeError) => {
        if (finished) return
        finished = true
        if (error === undefined) call.end()
        else call.emit('error', grpcStatusOf(error))
      }
      try {
        const handle = method.open(contextOf(call.getPeer(), call.metadata), call.request, {
          write: (item) => !finished && call.write(item),
          drained: () =>
            new Promise<void>((resolve) => {
              if (finished || call.destroyed) return resolve()
              // Whichever comes first removes both: a long stream waits for 'drain' many times, and a
              // 'close' listener left behind each time would pile up for the stream's whole life.
              const done = () => {
                call.off('drain', done)
                call.off('close', done)
                resolve()
              }
              call.on('drain', done)
              call.on('close', done)
            }),
          end: finish,
        })
        call.on('cancelled', () => {
          finished = true
          handle.cancel()
        })
        call.on('close', () => handle.cancel())
      } catch (error) {
        finish(
          error instanceof NodeError
            ? error
            : new NodeError('Node::Internal', 'stream failed', { cause: error }),
        )
      }
    }
    impl[name] = handler
  }
  return impl
}

/** Options of {@link startGrpcServer}. */
export interface GrpcServerParams {
  readonly service: NodeService
  /** Host to bind (default 127.0.0.1; `0.0.0.0` for all interfaces). */
  readonly host?: string
  /** Port (0 picks a free one). XMTP's local default is 5556. */
  readonly port: number
  readonly credentials?: ServerCredentials
}

/** A running gRPC server. */
export interface GrpcServer {
  readonly port: number
  /** Stops accepting calls, lets unary calls finish, ends streams. */
  close(): Promise<void>
}

/** Starts the gRPC server. */
export async function startGrpcServer(params: GrpcServerParams): Promise<GrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': grpcMaxMessageBytes,
    'grpc.max_send_message_length': grpcMaxMessageBytes,
    // libxmtp pings every 45 s, also without streams (§1.6); node-go allows pings 15 s apart (§1.7).
    'grpc.http2.min_ping_interval_without_data_ms': 15_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.keepalive_time_ms': 300_000,
    // Channelz (grpc-js's per-call introspection registry) costs every call a tracking wrapper; nothing
    // here serves the channelz service, so it is off.
    'grpc.enable_channelz': 0,
  })
  const methods = rpcMethods(params.service)
  const defs = serviceDefinitions()
  server.addService(defs.mls, implementation(methods, defs.mls))
  server.addService(defs.identity, implementation(methods, defs.identity))
  const host = params.host ?? '127.0.0.1'
  const address = host.includes(':') ? `[${host}]:${params.port}` : `${host}:${params.port}`
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, params.credentials ?? Credentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    )
  })
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 5000)
        server.tryShutdown(() => {
          clearTimeout(timer)
          resolve()
        })
      }),
  }
}
