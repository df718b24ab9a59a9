/**
 * `@xmtp-lite/proto`: the XMTP protobuf schemas of `proto/`, as protobufjs static code.
 *
 * `xmtp` is the root namespace (`xmtp.identity.associations.IdentityUpdate.encode(...)`), `xmtplite` holds
 * this project's own schemas, `google` the well-known types they use (`google.protobuf.Empty`).
 * 64-bit fields are `Long`; convert with {@link toBigInt} / {@link toLong}. Decode untrusted bytes with
 * {@link decodeMessage} for typed errors. {@link services} describes every rpc (path, streaming, classes)
 * and {@link grpcServiceDefinition} turns one service into a `@grpc/grpc-js` definition.
 * @module
 */
export type { Decodable, DecodeOptions } from './decode.ts'
export { decodeMessage } from './decode.ts'
export type { ProtoErrorCode } from './errors.ts'
export { isProtoError, ProtoError, protoErrorCodes } from './errors.ts'
export { google, xmtp, xmtplite } from './gen/index.js'
export { Long, toBigInt, toLong } from './long.ts'
export type { GrpcMethodDefinition, MessageClass, RpcMethod } from './services.ts'
export {
  grpcServiceDefinition,
  identityApiMethods,
  methodByPath,
  mlsApiMethods,
  serviceMethods,
  services,
} from './services.ts'
