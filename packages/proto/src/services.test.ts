import { describe, expect, it } from 'vitest'
import { ProtoError } from './errors.ts'
import { google, xmtp } from './gen/index.js'
import { toBigInt, toLong } from './long.ts'
import {
  grpcServiceDefinition,
  identityApiMethods,
  methodByPath,
  mlsApiMethods,
  serviceMethods,
  services,
} from './services.ts'

describe('services', () => {
  it('lists the 15 MlsApi rpcs with their paths and streaming kinds (fact sheet §1.1)', () => {
    expect(Object.keys(mlsApiMethods).sort()).toEqual(
      [
        'SendGroupMessages',
        'SendWelcomeMessages',
        'RegisterInstallation',
        'UploadKeyPackage',
        'FetchKeyPackages',
        'RevokeInstallation',
        'GetIdentityUpdates',
        'QueryGroupMessages',
        'QueryWelcomeMessages',
        'SubscribeGroupMessages',
        'SubscribeWelcomeMessages',
        'Subscribe',
        'BatchPublishCommitLog',
        'BatchQueryCommitLog',
        'GetNewestGroupMessage',
      ].sort(),
    )
    for (const m of Object.values(mlsApiMethods)) expect(m.path).toBe(`/xmtp.mls.api.v1.MlsApi/${m.name}`)
    const streams = Object.values(mlsApiMethods)
      .filter((m) => m.requestStream || m.responseStream)
      .map((m) => [m.name, m.requestStream, m.responseStream])
      .sort()
    expect(streams).toEqual([
      ['Subscribe', true, true],
      ['SubscribeGroupMessages', false, true],
      ['SubscribeWelcomeMessages', false, true],
    ])
    expect(mlsApiMethods.SendGroupMessages?.requestType).toBe(xmtp.mls.api.v1.SendGroupMessagesRequest)
    expect(mlsApiMethods.SendGroupMessages?.responseType).toBe(google.protobuf.Empty)
    expect(mlsApiMethods.SendGroupMessages?.responseTypeName).toBe('google.protobuf.Empty')
    expect(mlsApiMethods.SubscribeGroupMessages?.responseType).toBe(xmtp.mls.api.v1.GroupMessage)
    // the legacy GetIdentityUpdates of MlsApi resolves inside its own package, not to IdentityApi's
    expect(mlsApiMethods.GetIdentityUpdates?.requestTypeName).toBe(
      'xmtp.mls.api.v1.GetIdentityUpdatesRequest',
    )
  })

  it('lists the IdentityApi rpcs (§1.2) and resolves cross-package types', () => {
    expect(Object.keys(identityApiMethods).sort()).toEqual([
      'GetIdentityUpdates',
      'GetInboxIds',
      'PublishIdentityUpdate',
      'VerifySmartContractWalletSignatures',
    ])
    expect(identityApiMethods.GetInboxIds?.path).toBe('/xmtp.identity.api.v1.IdentityApi/GetInboxIds')
    const gateway = services['xmtp.xmtpv4.gateway_api.GatewayApi']
    expect(gateway?.GetNodes?.requestType).toBe(xmtp.xmtpv4.payer_api.GetNodesRequest)
    expect(services['xmtp.xmtpv4.message_api.QueryApi']?.Subscribe?.requestStream).toBe(true)
  })

  it('finds rpcs by gRPC path and rejects unknown services with a typed error', () => {
    expect(methodByPath('/xmtp.identity.api.v1.IdentityApi/GetInboxIds')?.name).toBe('GetInboxIds')
    expect(methodByPath('/xmtp.mls.api.v1.MlsApi/Nope')).toBeUndefined()
    let code: string | undefined
    try {
      serviceMethods('xmtp.mls.api.v1.NoSuchApi')
    } catch (e) {
      code = e instanceof ProtoError ? e.code : 'untyped'
    }
    expect(code).toBe('Proto::UnknownType')
  })

  it('builds a grpc-js service definition that round-trips Buffers into plain Uint8Array fields', () => {
    const definition = grpcServiceDefinition(mlsApiMethods, { maxBytes: 1024 })
    const query = definition.QueryGroupMessages
    expect(query?.path).toBe('/xmtp.mls.api.v1.MlsApi/QueryGroupMessages')
    expect(query?.originalName).toBe('queryGroupMessages')
    const wire = query?.responseSerialize({
      messages: [{ v1: { id: toLong(9n), groupId: Uint8Array.of(1, 2), data: Uint8Array.of(3) } }],
    })
    expect(Buffer.isBuffer(wire)).toBe(true)
    const decoded = query?.responseDeserialize(wire as Buffer) as xmtp.mls.api.v1.QueryGroupMessagesResponse
    const v1 = decoded.messages[0]?.v1
    expect(toBigInt(v1?.id ?? 0)).toBe(9n)
    expect(v1?.groupId?.constructor).toBe(Uint8Array)
    let code: string | undefined
    try {
      query?.requestDeserialize(Buffer.alloc(2048))
    } catch (e) {
      code = e instanceof ProtoError ? e.code : 'untyped'
    }
    expect(code).toBe('Proto::TooLarge')
  })
})
