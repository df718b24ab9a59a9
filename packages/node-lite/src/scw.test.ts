/**
 * Smart-contract-wallet verification through a configured chain RPC: a REAL EVM (@ethereumjs/evm) runs
 * an ERC-1271 wallet and is served as Ethereum JSON-RPC on 127.0.0.1 (testing/evmRpc.ts); the node,
 * started with `walletVerifierChains`, reaches it over HTTP like any chain's RPC, and clients reach the
 * node over real gRPC.
 */
import { type ServiceError, status } from '@grpc/grpc-js'
import {
  createInboxRequest,
  createInstallationKeySigner,
  createRpcScwVerifier,
  createSmartContractWalletSigner,
  createWalletSigner,
  encodeIdentityUpdate,
  inboxIdFor,
  type SmartContractWalletVerifier,
} from '@xmtp-lite/identity'
import { toLong, xmtp } from '@xmtp-lite/proto'
import { hashMessage } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NodeError } from './errors.ts'
import { type RunningNode, startNode } from './node.ts'
import { type EvmRpc, startEvmRpc } from './testing/evmRpc.ts'
import { connectTestClient, type TestGrpcClient } from './testing/grpcClient.ts'
import { parseChainRpcUrls } from './validators.ts'

const ident = xmtp.identity.api.v1
const ownerA = createWalletSigner(new Uint8Array(32).fill(0x21))
const ownerB = createWalletSigner(new Uint8Array(32).fill(0x22))
const addressOf = (s: { identifier: unknown }) => (s.identifier as { address: string }).address

let chain: EvmRpc
let clientVerifier: SmartContractWalletVerifier
const nodes: RunningNode[] = []
const clients: TestGrpcClient[] = []

async function nodeWith(chains: Record<string, string> | undefined): Promise<TestGrpcClient> {
  const node = await startNode({
    memory: true,
    grpcPort: 0,
    httpPort: false,
    ...(chains === undefined ? {} : { walletVerifierChains: chains }),
  })
  nodes.push(node)
  const client = connectTestClient(node.grpcPort)
  clients.push(client)
  return client
}

beforeAll(async () => {
  chain = await startEvmRpc({ owner: addressOf(ownerA), next: addressOf(ownerB) })
  // The client checks its own signatures through the same kind of verifier before publishing.
  clientVerifier = createRpcScwVerifier({ chains: new Map([[chain.chainId, chain.url]]) })
}, 120_000)

afterAll(async () => {
  for (const c of clients) c.close()
  await Promise.all(nodes.map((n) => n.close()))
  await chain.close()
})

/** A CreateInbox for the wallet, signed by an installation and by `owner` through the wallet at `block`. */
async function walletRegistration(
  owner: typeof ownerA,
  block: bigint,
  nonce: bigint,
  verifier: SmartContractWalletVerifier = clientVerifier,
) {
  const wallet = chain.wallet.toLowerCase()
  const inst = createInstallationKeySigner(new Uint8Array(32).fill(Number(nonce) + 0x40))
  const request = createInboxRequest({
    identifier: { kind: 'ethereum', address: wallet },
    nonce,
    installationPublicKey: inst.publicKey,
    clientTimestampNs: 1_767_225_600_000_000_000n,
  })
  await request.sign(inst)
  const scw = createSmartContractWalletSigner({
    chainId: chain.chainId,
    address: chain.wallet,
    blockNumber: block,
    signMessage: async (text) => ((await owner.sign(text)) as { signature: Uint8Array }).signature,
  })
  const signature = await scw.sign(request.text)
  await request.addSignature(signature, { scwVerifier: verifier })
  const update = encodeIdentityUpdate(request.build())
  return {
    inboxId: inboxIdFor({ kind: 'ethereum', address: wallet }, nonce),
    text: request.text,
    signature: signature as { accountId: string; signature: Uint8Array },
    publish: ident.PublishIdentityUpdateRequest.encode({
      identityUpdate: xmtp.identity.associations.IdentityUpdate.decode(update),
    }).finish(),
  }
}

async function statusOf(p: Promise<unknown>): Promise<{ code: status | undefined; errorCode: unknown }> {
  try {
    await p
    return { code: undefined, errorCode: undefined }
  } catch (e) {
    const err = e as ServiceError
    return { code: err.code, errorCode: err.metadata?.get('error-code')[0] }
  }
}

async function inboxOf(client: TestGrpcClient, address: string): Promise<string | undefined> {
  const reply = ident.GetInboxIdsResponse.decode(
    await client.unary(
      'identity',
      'GetInboxIds',
      ident.GetInboxIdsRequest.encode({ requests: [{ identifier: address, identifierKind: 1 }] }).finish(),
    ),
  )
  return reply.responses[0]?.inboxId ?? undefined
}

describe('smart-contract-wallet identity updates through a configured chain RPC', () => {
  it('a node with the chain configured verifies the wallet signature on the EVM and indexes the wallet', async () => {
    const client = await nodeWith({ [`eip155:${chain.chainId}`]: chain.url })
    const reg = await walletRegistration(ownerA, 1n, 1n)
    const before = chain.served()
    await client.unary('identity', 'PublishIdentityUpdate', reg.publish)
    // The node itself asked the chain (the client's own check came before `before`).
    expect(chain.served()).toBeGreaterThan(before)
    expect(await inboxOf(client, chain.wallet.toLowerCase())).toBe(reg.inboxId)
  })

  it('a node without that chain refuses the update with Node::ScwChainNotConfigured and stores nothing', async () => {
    const bare = await nodeWith(undefined)
    const otherChain = await nodeWith({ '8453': 'http://127.0.0.1:9/' })
    const reg = await walletRegistration(ownerA, 1n, 2n)
    for (const client of [bare, otherChain]) {
      expect(await statusOf(client.unary('identity', 'PublishIdentityUpdate', reg.publish))).toEqual({
        code: status.FAILED_PRECONDITION,
        errorCode: 'Node::ScwChainNotConfigured',
      })
      expect(await inboxOf(client, chain.wallet.toLowerCase())).toBeUndefined()
    }
  })

  it('a signature the wallet does not accept at its block is an invalid update, checked by the node on chain', async () => {
    const client = await nodeWith({ [String(chain.chainId)]: chain.url })
    // B owns the wallet only from block 2: a client that skips its own check (it claims every wallet
    // signature valid) sends B's block-1 signature; the node asks the chain and refuses it.
    const lying: SmartContractWalletVerifier = { verify: async () => ({ isValid: true, blockNumber: 1n }) }
    const forged = await walletRegistration(ownerB, 1n, 3n, lying)
    expect(await statusOf(client.unary('identity', 'PublishIdentityUpdate', forged.publish))).toEqual({
      code: status.INVALID_ARGUMENT,
      errorCode: 'Node::InvalidIdentityUpdate',
    })
    // The same owner at block 2 is accepted.
    const good = await walletRegistration(ownerB, 2n, 3n)
    await client.unary('identity', 'PublishIdentityUpdate', good.publish)
    expect(await inboxOf(client, chain.wallet.toLowerCase())).toBe(good.inboxId)
  })

  it('an unreachable chain RPC is Node::ScwRpcFailed (UNAVAILABLE, retryable), not an invalid update', async () => {
    const down = await nodeWith({ [String(chain.chainId)]: 'http://127.0.0.1:9/' })
    const reg = await walletRegistration(ownerA, 1n, 4n)
    expect(await statusOf(down.unary('identity', 'PublishIdentityUpdate', reg.publish))).toEqual({
      code: status.UNAVAILABLE,
      errorCode: 'Node::ScwRpcFailed',
    })
  })

  it('an RPC that serves another chain than configured is refused, not trusted', async () => {
    // The EVM answers eth_chainId 31337; a node told it is chain 8453's RPC must not verify through it.
    const client = await nodeWith({ '8453': chain.url })
    const wallet = chain.wallet.toLowerCase()
    const inst = createInstallationKeySigner(new Uint8Array(32).fill(0x50))
    const request = createInboxRequest({
      identifier: { kind: 'ethereum', address: wallet },
      nonce: 6n,
      installationPublicKey: inst.publicKey,
      clientTimestampNs: 1_767_225_600_000_000_000n,
    })
    await request.sign(inst)
    const scw = createSmartContractWalletSigner({
      chainId: 8453n,
      address: chain.wallet,
      blockNumber: 1n,
      signMessage: async (text) => ((await ownerA.sign(text)) as { signature: Uint8Array }).signature,
    })
    const lying: SmartContractWalletVerifier = { verify: async () => ({ isValid: true, blockNumber: 1n }) }
    await request.addSignature(await scw.sign(request.text), { scwVerifier: lying })
    const publish = ident.PublishIdentityUpdateRequest.encode({
      identityUpdate: xmtp.identity.associations.IdentityUpdate.decode(encodeIdentityUpdate(request.build())),
    }).finish()
    expect(await statusOf(client.unary('identity', 'PublishIdentityUpdate', publish))).toEqual({
      code: status.UNAVAILABLE,
      errorCode: 'Node::ScwRpcFailed',
    })
  })

  it('VerifySmartContractWalletSignatures answers from the chain at the requested block', async () => {
    const client = await nodeWith({ [String(chain.chainId)]: chain.url })
    const reg = await walletRegistration(ownerA, 1n, 5n)
    const hash = new Uint8Array(Buffer.from(hashMessage(reg.text).slice(2), 'hex'))
    const verify = async (blockNumber: bigint, accountId = reg.signature.accountId) =>
      ident.VerifySmartContractWalletSignaturesResponse.decode(
        await client.unary(
          'identity',
          'VerifySmartContractWalletSignatures',
          ident.VerifySmartContractWalletSignaturesRequest.encode({
            signatures: [
              { accountId, blockNumber: toLong(blockNumber), signature: reg.signature.signature, hash },
            ],
          } as never).finish(),
        ),
      ).responses[0]
    expect((await verify(1n))?.isValid).toBe(true)
    // At block 2 the wallet belongs to B: A's signature is no longer the wallet's.
    expect((await verify(2n))?.isValid).toBe(false)
    const unknown = await verify(1n, `eip155:8453:${chain.wallet.toLowerCase()}`)
    expect(unknown?.isValid).toBe(false)
    expect(unknown?.error).toMatch(/8453/)
  })

  it('the chain map is checked when the node starts', () => {
    expect(
      parseChainRpcUrls({ 'eip155:8453': 'https://rpc.example/', '1': 'http://127.0.0.1:8545' }),
    ).toEqual(
      new Map([
        [8453n, 'https://rpc.example/'],
        [1n, 'http://127.0.0.1:8545'],
      ]),
    )
    for (const bad of [
      { 'eip155:x': 'http://a/' },
      { '1': 'ftp://a/' },
      { '1': 'not a url' },
      { '0': 'http://a/' },
    ]) {
      expect(() => parseChainRpcUrls(bad)).toThrow(NodeError)
    }
  })
})
