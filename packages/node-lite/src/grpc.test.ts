import { type ServiceError, status } from '@grpc/grpc-js'
import { toBigInt, xmtp } from '@xmtp-lite/proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningNode, startNode } from './node.ts'
import { capturedKeyPackageNow, groupMessage, sdkVector } from './testing/fixtures.ts'
import { connectTestClient, type TestGrpcClient } from './testing/grpcClient.ts'
import { mlsKeyPackageValidator } from './validators.ts'

const mls = xmtp.mls.api.v1
const ident = xmtp.identity.api.v1
const wallet = '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a'

let node: RunningNode
let client: TestGrpcClient

beforeAll(async () => {
  node = await startNode({
    memory: true,
    grpcPort: 0,
    httpPort: false,
    keyPackageValidator: mlsKeyPackageValidator({ nowSeconds: () => capturedKeyPackageNow }),
  })
  client = connectTestClient(node.grpcPort)
})

afterAll(async () => {
  client.close()
  await node.close()
})

async function statusOf(p: Promise<unknown>): Promise<{ code: status | undefined; errorCode: unknown }> {
  try {
    await p
    return { code: undefined, errorCode: undefined }
  } catch (e) {
    const err = e as ServiceError
    return { code: err.code, errorCode: err.metadata?.get('error-code')[0] }
  }
}

const group = new Uint8Array(16).fill(0x42)
const sendGroup = (messages: ReturnType<typeof groupMessage>[]) =>
  client.unary(
    'mls',
    'SendGroupMessages',
    mls.SendGroupMessagesRequest.encode({ messages: messages.map((v1) => ({ v1 })) }).finish(),
  )

describe('gRPC API over h2c', () => {
  it('registers the official SDK inbox: identity update and key package as libxmtp 1.9.1 sent them', async () => {
    await client.unary('identity', 'PublishIdentityUpdate', sdkVector('publish-identity-update-request.bin'))
    await client.unary(
      'mls',
      'UploadKeyPackage',
      mls.UploadKeyPackageRequest.encode({
        keyPackage: { keyPackageTlsSerialized: sdkVector('key-package.bin') },
        isInboxIdCredential: true,
      }).finish(),
    )
    const ids = ident.GetInboxIdsResponse.decode(
      await client.unary('identity', 'GetInboxIds', sdkVector('get-inbox-ids-request.bin')),
    )
    const inboxId = ids.responses[0]?.inboxId
    expect(ids.responses[0]?.identifier).toBe(wallet)
    expect(inboxId).toMatch(/^[0-9a-f]{64}$/)
    const updates = ident.GetIdentityUpdatesResponse.decode(
      await client.unary(
        'identity',
        'GetIdentityUpdates',
        ident.GetIdentityUpdatesRequest.encode({ requests: [{ inboxId: inboxId ?? '' }] }).finish(),
      ),
    )
    const log = updates.responses[0]?.updates ?? []
    expect(log).toHaveLength(1)
    expect(log[0]?.update?.actions).toHaveLength(2)
    const sent = ident.PublishIdentityUpdateRequest.decode(sdkVector('publish-identity-update-request.bin'))
    expect(xmtp.identity.associations.IdentityUpdate.encode(log[0]?.update ?? {}).finish()).toEqual(
      xmtp.identity.associations.IdentityUpdate.encode(sent.identityUpdate ?? {}).finish(),
    )
    // The installation key of the update is the key package's: FetchKeyPackages finds it.
    const installation = sent.identityUpdate?.actions[1]?.add?.newMemberIdentifier?.installationPublicKey
    const fetched = mls.FetchKeyPackagesResponse.decode(
      await client.unary(
        'mls',
        'FetchKeyPackages',
        mls.FetchKeyPackagesRequest.encode({
          installationKeys: [installation ?? new Uint8Array(), new Uint8Array(32)],
        }).finish(),
      ),
    )
    expect(fetched.keyPackages.map((k) => k.keyPackageTlsSerialized.length)).toEqual([
      sdkVector('key-package.bin').length,
      0,
    ])
  })

  it('refuses a replayed and a forged identity update with INVALID_ARGUMENT', async () => {
    const replay = await statusOf(
      client.unary('identity', 'PublishIdentityUpdate', sdkVector('publish-identity-update-request.bin')),
    )
    expect(replay).toEqual({ code: status.INVALID_ARGUMENT, errorCode: 'Node::InvalidIdentityUpdate' })
    const sent = ident.PublishIdentityUpdateRequest.decode(sdkVector('publish-identity-update-request.bin'))
    const update = sent.identityUpdate as xmtp.identity.associations.IdentityUpdate
    // Same signatures, another timestamp: the signed text changes, so no signature verifies.
    const forged = ident.PublishIdentityUpdateRequest.encode({
      identityUpdate: { ...update, clientTimestampNs: update.clientTimestampNs.add(1) },
    }).finish()
    const other = await statusOf(client.unary('identity', 'PublishIdentityUpdate', forged))
    expect(other).toEqual({ code: status.INVALID_ARGUMENT, errorCode: 'Node::InvalidIdentityUpdate' })
  })

  it('answers hostile input with proper statuses and keeps serving', async () => {
    const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2])
    expect(await statusOf(client.unary('mls', 'SendGroupMessages', garbage))).toEqual({
      code: status.INVALID_ARGUMENT,
      errorCode: 'Node::MalformedRequest',
    })
    const notMls = {
      data: new TextEncoder().encode('plain text'),
      senderHmac: new Uint8Array(),
      shouldPush: true,
    }
    expect(await statusOf(sendGroup([notMls]))).toEqual({
      code: status.INVALID_ARGUMENT,
      errorCode: 'Node::InvalidGroupMessage',
    })
    expect(await statusOf(sendGroup([groupMessage(group, 1, 1_048_214)]))).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      errorCode: 'Node::MessageTooLarge',
    })
    const huge = new Uint8Array(26 * 1024 * 1024)
    expect((await statusOf(client.unary('mls', 'SendGroupMessages', huge))).code).toBe(
      status.RESOURCE_EXHAUSTED,
    )
    expect((await statusOf(client.unary('mls', 'RevokeInstallation', new Uint8Array()))).code).toBe(
      status.UNIMPLEMENTED,
    )
    const tooManyGroups = mls.GetNewestGroupMessageRequest.encode({
      groupIds: Array.from({ length: 1001 }, () => group),
    }).finish()
    expect(await statusOf(client.unary('mls', 'GetNewestGroupMessage', tooManyGroups))).toEqual({
      code: status.INVALID_ARGUMENT,
      errorCode: 'Node::BatchTooLarge',
    })
    await sendGroup([groupMessage(group, 7)])
    const page = mls.QueryGroupMessagesResponse.decode(
      await client.unary(
        'mls',
        'QueryGroupMessages',
        mls.QueryGroupMessagesRequest.encode({ groupId: group, pagingInfo: { limit: 1000 } }).finish(),
      ),
    )
    expect(page.messages).toHaveLength(1)
    expect(page.pagingInfo?.limit).toBe(100)
    expect(page.pagingInfo?.direction).toBe(mls.SortDirection.SORT_DIRECTION_DESCENDING)
  })

  it('streams: headers at once, catch-up, then a message sent after the stream opened', async () => {
    const g = new Uint8Array(16).fill(0x51)
    await sendGroup([groupMessage(g, 1)])
    const stream = client.stream(
      'SubscribeGroupMessages',
      mls.SubscribeGroupMessagesRequest.encode({ filters: [{ groupId: g }] }).finish(),
    )
    const headers = await stream.headers
    expect(headers.get('subscribed')).toEqual(['true'])
    const first = mls.GroupMessage.decode(await stream.next())
    await sendGroup([groupMessage(g, 2, 32, 3)])
    const second = mls.GroupMessage.decode(await stream.next())
    expect(second.v1?.isCommit).toBe(true)
    expect(toBigInt(second.v1?.id ?? 0)).toBeGreaterThan(toBigInt(first.v1?.id ?? 0))
    stream.cancel()
    expect((await stream.ended)?.code).toBe(status.CANCELLED)
    // A welcome stream with no filter is refused.
    const bad = client.stream('SubscribeWelcomeMessages', new Uint8Array())
    expect((await bad.ended)?.code).toBe(status.INVALID_ARGUMENT)
    // The bidi Subscribe (XIP-83) is UNIMPLEMENTED, as on node-go; libxmtp falls back to these streams.
    expect((await client.bidiStatus('Subscribe', new Uint8Array()))?.code).toBe(status.UNIMPLEMENTED)
  })

  it('a long catch-up that waits for drain many times leaves no listeners behind', async () => {
    const g = new Uint8Array(16).fill(0x52)
    // 300 messages of 16 KiB: the stream's write buffer fills again and again during catch-up.
    for (let i = 0; i < 3; i++) {
      await sendGroup(Array.from({ length: 100 }, (_, j) => groupMessage(g, i * 100 + j, 16 * 1024)))
    }
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.name)
    process.on('warning', onWarning)
    try {
      const stream = client.stream(
        'SubscribeGroupMessages',
        mls.SubscribeGroupMessagesRequest.encode({ filters: [{ groupId: g }] }).finish(),
      )
      for (let i = 0; i < 300; i++) await stream.next()
      stream.cancel()
      await stream.ended
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning')
  })

  it('answers GetInboxIds in its own turn: found, unknown, passkey and hostile requests', async () => {
    const ask = (requests: { identifier: string; identifierKind: number }[]) =>
      client.unary('identity', 'GetInboxIds', ident.GetInboxIdsRequest.encode({ requests }).finish())
    const reply = ident.GetInboxIdsResponse.decode(
      await ask([
        { identifier: wallet, identifierKind: 1 },
        { identifier: `0x${'0'.repeat(40)}`, identifierKind: 1 },
        { identifier: wallet, identifierKind: 2 },
      ]),
    )
    expect(reply.responses.map((r) => [r.identifier, r.inboxId ?? null])).toEqual([
      [wallet, expect.stringMatching(/^[0-9a-f]{64}$/)],
      [`0x${'0'.repeat(40)}`, null],
      [wallet, null],
    ])
    // Thrown inside the synchronous handler, answered as a status; the server keeps serving.
    expect(await statusOf(client.unary('identity', 'GetInboxIds', new Uint8Array([0x0a, 0x05, 1])))).toEqual({
      code: status.INVALID_ARGUMENT,
      errorCode: 'Node::MalformedRequest',
    })
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ identifier: `0x${i}`, identifierKind: 1 }))
    expect(await statusOf(ask(tooMany))).toEqual({
      code: status.INVALID_ARGUMENT,
      errorCode: 'Node::BatchTooLarge',
    })
    expect(ident.GetInboxIdsResponse.decode(await ask([])).responses).toEqual([])
  })

  it('refuses a publish flood past the rate limit with RESOURCE_EXHAUSTED and serves reads meanwhile', async () => {
    const g = new Uint8Array(16).fill(0x77)
    let refused: Awaited<ReturnType<typeof statusOf>> | undefined
    for (let i = 0; i < 5 && refused === undefined; i++) {
      const r = await statusOf(
        sendGroup(Array.from({ length: 1000 }, (_, j) => groupMessage(g, i * 1000 + j))),
      )
      if (r.code !== undefined) refused = r
    }
    expect(refused).toEqual({ code: status.RESOURCE_EXHAUSTED, errorCode: 'Node::RateLimited' })
    const newest = mls.GetNewestGroupMessageResponse.decode(
      await client.unary(
        'mls',
        'GetNewestGroupMessage',
        mls.GetNewestGroupMessageRequest.encode({ groupIds: [g] }).finish(),
      ),
    )
    expect(newest.responses[0]?.groupMessage?.v1?.data).toHaveLength(0)
  })
})
