import { createHash } from 'node:crypto'
import { defaultCrypto } from '@xmtp-lite/common'
import {
  createClientEnvelope,
  createOriginatorEnvelope,
  createUnsignedPayerEnvelope,
  groupMessagesTopic,
} from '@xmtp-lite/envelopes'
import { xmtp } from '@xmtp-lite/proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePrivateMessageFrame } from '../mlsFraming.ts'
import { type RunningNode, startNode } from '../node.ts'
import { capturedKeyPackageNow, groupMessage, sdkVector } from '../testing/fixtures.ts'
import { connectTestClient, type TestGrpcClient } from '../testing/grpcClient.ts'
import { mlsKeyPackageValidator } from '../validators.ts'
import { ReplicationError } from './errors.ts'
import { checkBatch, type RegistryNode } from './replicator.ts'

const mls = xmtp.mls.api.v1
const ident = xmtp.identity.api.v1

/** Fixed node keys: sha256("xmtp-lite test node <id>"). */
function privateKeyOf(id: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`xmtp-lite test node ${id}`).digest())
}

const ids = [100, 200]
const nodes: RunningNode[] = []
const clients: TestGrpcClient[] = []

beforeAll(async () => {
  // Each node's HTTP port is known only once it listens, so the registry's urls are resolved late.
  const ports = new Map<number, number>()
  const registry: RegistryNode[] = ids.map((id) => ({
    id,
    url: '',
    publicKey: defaultCrypto.secp256k1.getPublicKey(privateKeyOf(id)),
  }))
  for (const id of ids) {
    const node = await startNode({
      memory: true,
      grpcPort: 0,
      httpPort: 0,
      rateLimits: false,
      keyPackageValidator: mlsKeyPackageValidator({ nowSeconds: () => capturedKeyPackageNow }),
      replication: {
        nodeId: id,
        privateKey: privateKeyOf(id),
        registry,
        peerUrl: (peer) => `http://127.0.0.1:${ports.get(peer) ?? 1}`,
        longPollMs: 500,
        retryMs: 20,
      },
    })
    ports.set(id, node.httpPort ?? 0)
    nodes.push(node)
    clients.push(connectTestClient(node.grpcPort))
  }
})

afterAll(async () => {
  for (const c of clients) c.close()
  await Promise.all(nodes.map((n) => n.close()))
})

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const v = await what()
    if (ok(v) || Date.now() > end) return v
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('replication options', () => {
  it('refuses a private key that is not the registry key of the node, and a node missing from the registry', async () => {
    const registry = ids.map((id) => ({
      id,
      url: '',
      publicKey: defaultCrypto.secp256k1.getPublicKey(privateKeyOf(id)),
    }))
    const start = (nodeId: number, privateKey: Uint8Array) =>
      startNode({
        memory: true,
        grpcPort: 0,
        httpPort: false,
        replication: { nodeId, privateKey, registry },
      }).then(
        async (node) => {
          await node.close()
          return 'started'
        },
        (e: unknown) => (e instanceof ReplicationError ? e.code : String(e)),
      )
    expect(await start(100, privateKeyOf(200))).toBe('Replication::InvalidConfig')
    expect(await start(300, privateKeyOf(300))).toBe('Replication::InvalidConfig')
    // The key check derives the public key with OpenSSL; the matching key starts, and a scalar OpenSSL
    // refuses (zero, the group order) still gets the provider's error.
    expect(await start(100, privateKeyOf(100))).toBe('started')
    const order = Uint8Array.from(
      Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex'),
    )
    for (const bad of [new Uint8Array(32), order]) {
      expect(await start(100, bad)).toMatch(/not below the order/)
    }
  })
})

describe('replication between two nodes', () => {
  it('serves on node 200 the inbox, key package and group messages published on node 100', async () => {
    const [c1, c2] = clients as [TestGrpcClient, TestGrpcClient]
    await c1.unary('identity', 'PublishIdentityUpdate', sdkVector('publish-identity-update-request.bin'))
    await c1.unary(
      'mls',
      'UploadKeyPackage',
      mls.UploadKeyPackageRequest.encode({
        keyPackage: { keyPackageTlsSerialized: sdkVector('key-package.bin') },
      }).finish(),
    )
    const group = new Uint8Array(16).fill(7)
    const sent = Array.from({ length: 20 }, (_, i) => groupMessage(group, i))
    for (let i = 0; i < sent.length; i += 5) {
      await c1.unary(
        'mls',
        'SendGroupMessages',
        mls.SendGroupMessagesRequest.encode({
          messages: sent.slice(i, i + 5).map((v1) => ({ v1 })),
        }).finish(),
      )
    }
    // A duplicate publish is not originated twice (node-go dedup, then one envelope per stored row).
    await c1.unary(
      'mls',
      'SendGroupMessages',
      mls.SendGroupMessagesRequest.encode({ messages: sent.slice(0, 1).map((v1) => ({ v1 })) }).finish(),
    )
    const query = () =>
      c2
        .unary(
          'mls',
          'QueryGroupMessages',
          mls.QueryGroupMessagesRequest.encode({ groupId: group, pagingInfo: { limit: 100 } }).finish(),
        )
        .then((b) => mls.QueryGroupMessagesResponse.decode(b).messages)
    const got = await until(query, (m) => m.length >= 20)
    // Descending by default: reverse to compare with publish order (per-topic order preserved).
    expect(got.map((m) => Buffer.from(m.v1?.data ?? []).toString('hex')).reverse()).toEqual(
      sent.map((m) => Buffer.from(m.data).toString('hex')),
    )
    const inbox = ident.GetInboxIdsResponse.decode(
      await c2.unary('identity', 'GetInboxIds', sdkVector('get-inbox-ids-request.bin')),
    )
    expect(inbox.responses[0]?.inboxId).toMatch(/^[0-9a-f]{64}$/)
    const status1 = nodes[0]?.replicator?.status()
    const status2 = await until(
      async () => nodes[1]?.replicator?.status(),
      (s) => s?.cursors['100'] === status1?.cursors['100'],
    )
    // identity update + key package + 20 messages, the duplicate left out.
    expect(status1?.cursors['100']).toBe(22)
    expect(status2?.cursors['100']).toBe(22)
    expect(status2?.counts['100']).toBe(22)
    const a = await nodes[0]?.replicator?.envelopes(100)
    const b = await nodes[1]?.replicator?.envelopes(100)
    expect(b).toEqual(a)
  })

  it('refuses a hostile batch with typed errors: bad signature, gap, reorder, wrong originator', () => {
    const key = privateKeyOf(100)
    const nodeKeys = new Map(ids.map((id) => [id, defaultCrypto.secp256k1.getPublicKey(privateKeyOf(id))]))
    const make = (seq: number, signer = key, originator = 100) => {
      const client = createClientEnvelope({
        targetTopic: groupMessagesTopic(new Uint8Array(16)),
        payload: {
          kind: 'groupMessage',
          bytes: mls.GroupMessageInput.encode({
            v1: {
              data: encodePrivateMessageFrame({
                groupId: new Uint8Array(16),
                ciphertext: new Uint8Array([seq]),
                contentType: 1,
              }),
            },
          }).finish(),
        },
      })
      return createOriginatorEnvelope({
        payerEnvelope: createUnsignedPayerEnvelope(client),
        originatorNodeId: originator,
        originatorSequenceId: seq,
        originatorNs: 1_795_564_800_000_000_000n,
        nodePrivateKey: signer,
      }).bytes
    }
    const codeOf = (frames: Uint8Array[], cursor = 0) => {
      try {
        checkBatch({ frames, originator: 100, cursor, nodeKeys })
        return 'ok'
      } catch (e) {
        return e instanceof ReplicationError ? e.code : `untyped: ${String(e)}`
      }
    }
    expect(codeOf([make(1), make(2)])).toBe('ok')
    expect(codeOf([make(1), make(2, privateKeyOf(200))])).toBe('Replication::BadSignature')
    expect(codeOf([make(1), make(3)])).toBe('Replication::SequenceGap')
    expect(codeOf([make(2), make(1)], 0)).toBe('Replication::SequenceGap')
    expect(codeOf([make(2), make(1)], 1)).toBe('Replication::SequenceReordered')
    expect(codeOf([make(1)], 1)).toBe('Replication::SequenceReordered')
    expect(codeOf([make(1, privateKeyOf(200), 200)])).toBe('Replication::UnexpectedOriginator')
    expect(codeOf([new Uint8Array([0xff, 0xff])])).toBe('Replication::MalformedEnvelope')
  })
})
