/**
 * The gRPC services of proto/ as data: each method's full path, streaming flags and message classes,
 * taken from the generated code (never typed by hand), plus a `@grpc/grpc-js` service definition built
 * from them. node-lite serves these over gRPC and over the WebSocket framing (`xmtplite.ws.v1.Frame`,
 * whose `method` is the gRPC full path); the client calls them.
 * @module
 */
import { decodeMessage } from './decode.ts'
import { ProtoError } from './errors.ts'
import * as generated from './gen/index.js'

/** A generated message class, seen only through what the transports need. */
export interface MessageClass<T = unknown> {
  encode(message: T): { finish(): Uint8Array }
  decode(bytes: Uint8Array): T
}

/** One rpc of a service. */
export interface RpcMethod {
  /** The rpc name as in the .proto: `"QueryGroupMessages"`. */
  readonly name: string
  /** The gRPC full path: `"/xmtp.mls.api.v1.MlsApi/QueryGroupMessages"`. */
  readonly path: string
  /** Full name of the service: `"xmtp.mls.api.v1.MlsApi"`. */
  readonly service: string
  readonly requestStream: boolean
  readonly responseStream: boolean
  /** Full name of the request message: `"xmtp.mls.api.v1.QueryGroupMessagesRequest"`. */
  readonly requestTypeName: string
  readonly responseTypeName: string
  readonly requestType: MessageClass
  readonly responseType: MessageClass
}

/** What pbjs attaches to each rpc function of a generated service class. */
interface GeneratedRpc {
  readonly name: string
  readonly path: string
  readonly requestType: string
  readonly responseType: string
  readonly requestStream: boolean | undefined
  readonly responseStream: boolean | undefined
}

const roots = generated as unknown as Record<string, unknown>

function lookup(parts: readonly string[]): unknown {
  let node: unknown = roots
  for (const part of parts) {
    if ((typeof node !== 'object' && typeof node !== 'function') || node === null) return undefined
    node = (node as Record<string, unknown>)[part]
  }
  return node
}

/** Resolves a type name as protobuf does: from the service's package outwards to the root. */
function resolveType(scope: readonly string[], name: string): { fullName: string; type: MessageClass } {
  const parts = name.replace(/^\./, '').split('.')
  for (let k = scope.length; k >= 0; k--) {
    const candidate = [...scope.slice(0, k), ...parts]
    const found = lookup(candidate)
    if (typeof found === 'function' && 'decode' in found) {
      return { fullName: candidate.join('.'), type: found as unknown as MessageClass }
    }
  }
  throw new ProtoError('Proto::UnknownType', `cannot resolve message type ${name} from ${scope.join('.')}`)
}

/**
 * The rpcs of a generated service, by rpc name. Throws `Proto::UnknownType` for an unknown service.
 * @example
 * serviceMethods('xmtp.mls.api.v1.MlsApi').QueryGroupMessages.path // "/xmtp.mls.api.v1.MlsApi/QueryGroupMessages"
 */
export function serviceMethods(serviceFullName: string): Readonly<Record<string, RpcMethod>> {
  const parts = serviceFullName.split('.')
  const service = lookup(parts)
  if (typeof service !== 'function')
    throw new ProtoError('Proto::UnknownType', `no generated service ${serviceFullName}`)
  const scope = parts.slice(0, -1)
  const methods: Record<string, RpcMethod> = {}
  for (const key of Object.getOwnPropertyNames(service.prototype)) {
    const candidate: unknown = (service.prototype as Record<string, unknown>)[key]
    if (typeof candidate !== 'function' || !('path' in candidate)) continue
    const rpc = candidate as unknown as GeneratedRpc
    const { name, path, requestType, responseType } = rpc
    const request = resolveType(scope, requestType)
    const response = resolveType(scope, responseType)
    methods[name] = Object.freeze({
      name,
      path,
      service: serviceFullName,
      requestStream: rpc.requestStream === true,
      responseStream: rpc.responseStream === true,
      requestTypeName: request.fullName,
      responseTypeName: response.fullName,
      requestType: request.type,
      responseType: response.type,
    })
  }
  return Object.freeze(methods)
}

/** Every service of proto/, by full name. */
export const services: Readonly<Record<string, Readonly<Record<string, RpcMethod>>>> = Object.freeze(
  Object.fromEntries(
    [
      'xmtp.mls.api.v1.MlsApi',
      'xmtp.identity.api.v1.IdentityApi',
      'xmtp.xmtpv4.message_api.QueryApi',
      'xmtp.xmtpv4.message_api.PublishApi',
      'xmtp.xmtpv4.message_api.ReplicationApi',
      'xmtp.xmtpv4.message_api.NotificationApi',
      'xmtp.xmtpv4.metadata_api.MetadataApi',
      'xmtp.xmtpv4.payer_api.PayerApi',
      'xmtp.xmtpv4.gateway_api.GatewayApi',
    ].map((name) => [name, serviceMethods(name)]),
  ),
)

/** The rpcs of `/xmtp.mls.api.v1.MlsApi` (fact sheet v3-node-api-and-identity.md §1.1). */
export const mlsApiMethods = services['xmtp.mls.api.v1.MlsApi'] as Readonly<Record<string, RpcMethod>>
/** The rpcs of `/xmtp.identity.api.v1.IdentityApi` (§1.2). */
export const identityApiMethods = services['xmtp.identity.api.v1.IdentityApi'] as Readonly<
  Record<string, RpcMethod>
>

const byPath = new Map<string, RpcMethod>(
  Object.values(services).flatMap((methods) => Object.values(methods).map((m) => [m.path, m] as const)),
)

/** The rpc with this gRPC full path, or undefined: how a WebSocket frame's `method` is dispatched. */
export function methodByPath(path: string): RpcMethod | undefined {
  return byPath.get(path)
}

/**
 * One method of a `@grpc/grpc-js` service definition (structurally `MethodDefinition`; this package does
 * not depend on grpc-js). Deserializers throw `ProtoError` (`Proto::Malformed`, ...) on bad bytes.
 */
export interface GrpcMethodDefinition {
  readonly path: string
  readonly requestStream: boolean
  readonly responseStream: boolean
  readonly originalName: string
  requestSerialize(value: unknown): Buffer
  requestDeserialize(bytes: Uint8Array): unknown
  responseSerialize(value: unknown): Buffer
  responseDeserialize(bytes: Uint8Array): unknown
}

// Zero-copy view: grpc-js wants Buffers, our encoders make plain Uint8Arrays.
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/**
 * A service definition for `server.addService(definition, handlers)` / `makeGenericClientConstructor`,
 * keyed by rpc name (handlers may use the rpc name or its lowerCamel `originalName`).
 * @example
 * server.addService(grpcServiceDefinition(mlsApiMethods), { QueryGroupMessages: (call, done) => ... })
 */
export function grpcServiceDefinition(
  methods: Readonly<Record<string, RpcMethod>>,
  options: { maxBytes?: number } = {},
): Record<string, GrpcMethodDefinition> {
  const decodeOptions = options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }
  const definition: Record<string, GrpcMethodDefinition> = {}
  for (const method of Object.values(methods)) {
    definition[method.name] = {
      path: method.path,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
      requestSerialize: (value) => asBuffer(method.requestType.encode(value).finish()),
      requestDeserialize: (bytes) => decodeMessage(method.requestType, bytes, decodeOptions),
      responseSerialize: (value) => asBuffer(method.responseType.encode(value).finish()),
      responseDeserialize: (bytes) => decodeMessage(method.responseType, bytes, decodeOptions),
    }
  }
  return definition
}
