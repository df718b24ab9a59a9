/**
 * Smart-contract-wallet signatures against a REAL in-process EVM (@ethereumjs/evm) that runs a small
 * ERC-1271 wallet compiled from contracts/TestErc1271Wallet.sol with solc-js at test time, and its CREATE2
 * factory (contracts/TestErc1271WalletFactory.sol) for ERC-6492 counterfactual signatures. viem talks to it
 * through an EIP-1193 function that serves `eth_call` (with or without `to`: viem's deployless universal
 * validator runs as contract-creation code) and `eth_getCode` at historical blocks (one state root per block).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createEVM, type EVM } from '@ethereumjs/evm'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { createAddressFromString } from '@ethereumjs/util'
import { fromHex, toHex } from '@xmtp-lite/common'
import {
  createPublicClient,
  custom,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  parseAbi,
  serializeErc6492Signature,
} from 'viem'
import { getCode, readContract } from 'viem/actions'
import { beforeAll, describe, expect, it } from 'vitest'
import { IdentityError } from './errors.ts'
import { inboxIdFor } from './inboxId.ts'
import { addAssociationRequest, createInboxRequest } from './request.ts'
import { createViemScwVerifier } from './scw.ts'
import { createSmartContractWalletSigner, createWalletSigner } from './signers.ts'
import { applyUpdate, getMember } from './state.ts'
import { at, installation } from './testing.fixtures.ts'
import {
  createSignatureCache,
  type SmartContractWalletVerifier,
  verifyIdentityUpdate,
  verifySignature,
} from './verify.ts'

const require = createRequire(import.meta.url)
const walletAbi = parseAbi(['function setOwner(address next)', 'function owner() view returns (address)'])
const factoryAbi = parseAbi([
  'function deploy(address owner, bytes32 salt) returns (address)',
  'function predict(address owner, bytes32 salt) view returns (address)',
])
const ownerA = createWalletSigner(new Uint8Array(32).fill(0x21))
const ownerB = createWalletSigner(new Uint8Array(32).fill(0x22))
const addressOf = (s: { identifier: unknown }) => (s.identifier as { address: string }).address
const deployer = '0x00000000000000000000000000000000000d3b10'
const factoryDeployer = '0x00000000000000000000000000000000000fac70'
const chainId = 31337n

/**
 * A one-wallet chain: block 1 deploys the wallet owned by A, block 2 hands it to B, block 3 deploys the
 * wallet factory (no wallet made by it is deployed, ever).
 */
interface Chain {
  readonly wallet: string
  readonly factory: string
  readonly request: (args: { method: string; params?: unknown }) => Promise<unknown>
}

function compileContracts(): { wallet: string; factory: string } {
  const solc = require('solc') as { compile(input: string): string }
  const read = (name: string) => readFileSync(new URL(`../contracts/${name}`, import.meta.url), 'utf8')
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: {
          'TestErc1271Wallet.sol': { content: read('TestErc1271Wallet.sol') },
          'TestErc1271WalletFactory.sol': { content: read('TestErc1271WalletFactory.sol') },
        },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
        },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  return {
    wallet: output.contracts['TestErc1271Wallet.sol']?.TestErc1271Wallet?.evm.bytecode.object as string,
    factory: output.contracts['TestErc1271WalletFactory.sol']?.TestErc1271WalletFactory?.evm.bytecode
      .object as string,
  }
}

async function startChain(): Promise<Chain> {
  const stateManager = new MerkleStateManager()
  const evm: EVM = await createEVM({
    common: new Common({ chain: Mainnet, hardfork: Hardfork.Prague }),
    stateManager,
  })
  const roots: Uint8Array[] = [await stateManager.getStateRoot()]
  const gasLimit = 30_000_000n
  const code = compileContracts()
  const deploy = await evm.runCall({
    caller: createAddressFromString(deployer),
    data: fromHex(
      code.wallet + encodeAbiParameters([{ type: 'address' }], [addressOf(ownerA) as `0x${string}`]).slice(2),
    ),
    gasLimit,
  })
  if (deploy.execResult.exceptionError !== undefined || deploy.createdAddress === undefined)
    throw new Error('deploy failed')
  const wallet = deploy.createdAddress.toString()
  roots.push(await stateManager.getStateRoot()) // block 1
  const handOver = await evm.runCall({
    caller: createAddressFromString(addressOf(ownerA)),
    to: deploy.createdAddress,
    data: fromHex(
      encodeFunctionData({
        abi: walletAbi,
        functionName: 'setOwner',
        args: [addressOf(ownerB) as `0x${string}`],
      }).slice(2),
    ),
    gasLimit,
  })
  if (handOver.execResult.exceptionError !== undefined) throw new Error('setOwner failed')
  roots.push(await stateManager.getStateRoot()) // block 2
  const factoryDeploy = await evm.runCall({
    caller: createAddressFromString(factoryDeployer),
    data: fromHex(code.factory),
    gasLimit,
  })
  if (factoryDeploy.execResult.exceptionError !== undefined || factoryDeploy.createdAddress === undefined)
    throw new Error('factory deploy failed')
  roots.push(await stateManager.getStateRoot()) // block 3
  const latest = BigInt(roots.length - 1)

  const blockOf = (tag: unknown): number => {
    if (
      typeof tag !== 'string' ||
      tag === 'latest' ||
      tag === 'pending' ||
      tag === 'safe' ||
      tag === 'finalized'
    ) {
      return Number(latest)
    }
    const n = Number(BigInt(tag))
    if (n < 0 || n > Number(latest)) throw Object.assign(new Error('header not found'), { code: -32000 })
    return n
  }
  return {
    wallet,
    factory: factoryDeploy.createdAddress.toString(),
    async request({ method, params }) {
      const args = (params ?? []) as unknown[]
      switch (method) {
        case 'eth_chainId':
          return `0x${chainId.toString(16)}`
        case 'eth_blockNumber':
          return `0x${latest.toString(16)}`
        case 'eth_call': {
          const call = args[0] as { to?: string; from?: string; data?: string }
          await stateManager.setStateRoot(roots[blockOf(args[1])] as Uint8Array)
          await stateManager.checkpoint()
          try {
            const result = await evm.runCall({
              caller: createAddressFromString(call.from ?? '0x0000000000000000000000000000000000000000'),
              ...(call.to === undefined ? {} : { to: createAddressFromString(call.to) }),
              data: fromHex((call.data ?? '0x').slice(2)),
              gasLimit,
            })
            const ret = `0x${toHex(result.execResult.returnValue)}`
            if (result.execResult.exceptionError !== undefined) {
              throw Object.assign(new Error('execution reverted'), { code: 3, data: ret })
            }
            return ret
          } finally {
            await stateManager.revert()
          }
        }
        case 'eth_getCode': {
          await stateManager.setStateRoot(roots[blockOf(args[1])] as Uint8Array)
          return `0x${toHex(await stateManager.getCode(createAddressFromString(args[0] as string)))}`
        }
        default:
          throw Object.assign(new Error(`method ${method} not served`), { code: -32601 })
      }
    },
  }
}

let chain: Chain
let client: ReturnType<typeof createPublicClient>
let verifier: SmartContractWalletVerifier

beforeAll(async () => {
  chain = await startChain()
  client = createPublicClient({ transport: custom({ request: chain.request }) })
  verifier = createViemScwVerifier({
    getClient: (id) => (id === chainId || id === 8453n ? client : undefined),
  })
}, 120_000)

async function scwRegistration(owner: typeof ownerA, blockNumber: bigint, scwChain = chainId) {
  const scw = createSmartContractWalletSigner({
    chainId: scwChain,
    address: chain.wallet,
    blockNumber,
    signMessage: async (text) => ((await owner.sign(text)) as { signature: Uint8Array }).signature,
  })
  const inst = installation(7)
  const request = createInboxRequest({
    identifier: { kind: 'ethereum', address: chain.wallet.toLowerCase() },
    nonce: 0n,
    installationPublicKey: inst.publicKey,
    clientTimestampNs: at(0),
  })
  await request.sign(inst)
  // signed but not yet added: each test adds it (and so verifies it) itself
  const sig = await scw.sign(request.text)
  return { request, sig, inst }
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    if (e instanceof IdentityError) return e.code
    throw e
  }
  return undefined
}

describe('smart-contract wallets on an in-process EVM', () => {
  it('a wallet owned by A at block 1 creates an inbox; the member records the chain id', async () => {
    const { request, sig } = await scwRegistration(ownerA, 1n)
    await request.addSignature(sig, { scwVerifier: verifier })
    const update = request.build()
    const state = applyUpdate(undefined, await verifyIdentityUpdate(update, { scwVerifier: verifier }))
    expect(state.inboxId).toBe(inboxIdFor({ kind: 'ethereum', address: chain.wallet.toLowerCase() }, 0n))
    expect(getMember(state, { kind: 'ethereum', address: chain.wallet.toLowerCase() })?.addedOnChainId).toBe(
      chainId,
    )
  })

  it('verification is pinned to the block: A’s signature fails at block 2, B’s fails at block 1 and passes at 2', async () => {
    const a2 = await scwRegistration(ownerA, 2n)
    expect(await codeOf(a2.request.addSignature(a2.sig, { scwVerifier: verifier }))).toBe(
      'Identity::SignatureInvalid',
    )
    const b1 = await scwRegistration(ownerB, 1n)
    expect(await codeOf(b1.request.addSignature(b1.sig, { scwVerifier: verifier }))).toBe(
      'Identity::SignatureInvalid',
    )
    const b2 = await scwRegistration(ownerB, 2n)
    await b2.request.addSignature(b2.sig, { scwVerifier: verifier })
    expect(b2.request.isReady).toBe(true)
  })

  it('a refused wallet signature is not remembered by the cache: the chain decides again each time', async () => {
    const a2 = await scwRegistration(ownerA, 2n)
    let calls = 0
    const counting: SmartContractWalletVerifier = {
      verify: (params) => {
        calls++
        return verifier.verify(params)
      },
    }
    const cache = createSignatureCache()
    for (let i = 0; i < 2; i++) {
      expect(await codeOf(verifySignature(a2.sig, a2.request.text, { scwVerifier: counting, cache }))).toBe(
        'Identity::SignatureInvalid',
      )
    }
    expect(calls).toBe(2)
  })

  it('an unknown chain is a retryable error; a missing verifier and a bad account id are typed', async () => {
    const { request, sig } = await scwRegistration(ownerA, 1n, 1n)
    let error: unknown
    try {
      await request.addSignature(sig, { scwVerifier: verifier })
    } catch (e) {
      error = e
    }
    expect((error as IdentityError).code).toBe('Identity::ScwChainUnsupported')
    expect((error as IdentityError).retryable).toBe(true)
    expect(await codeOf(request.addSignature(sig))).toBe('Identity::ScwVerifierMissing')
    const badId = { ...(sig as { accountId: string }), accountId: `eip155:x:${chain.wallet}` } as typeof sig
    expect(await codeOf(request.addSignature(badId, { scwVerifier: verifier }))).toBe(
      'Identity::InvalidAccountId',
    )
  })

  it('a wallet added on one chain cannot sign from another (ChainIdMismatch)', async () => {
    const created = await scwRegistration(ownerA, 1n)
    await created.request.addSignature(created.sig, { scwVerifier: verifier })
    const state = applyUpdate(
      undefined,
      await verifyIdentityUpdate(created.request.build(), { scwVerifier: verifier }),
    )
    // the same wallet code answers on "chain 8453": the signature is valid, the chain is not the member's
    const inst2 = installation(8)
    const add = addAssociationRequest({
      inboxId: state.inboxId,
      newMember: inst2.identifier,
      existingMember: { kind: 'ethereum', address: chain.wallet.toLowerCase() },
      clientTimestampNs: at(5),
    })
    await add.sign(inst2)
    const scw8453 = createSmartContractWalletSigner({
      chainId: 8453n,
      address: chain.wallet,
      blockNumber: 1n,
      signMessage: async (text) => ((await ownerA.sign(text)) as { signature: Uint8Array }).signature,
    })
    await add.sign(scw8453, { scwVerifier: verifier })
    const verified = await verifyIdentityUpdate(add.build(), { scwVerifier: verifier })
    expect(() => applyUpdate(state, verified)).toThrow(
      expect.objectContaining({ code: 'Identity::ChainIdMismatch' }),
    )
  })
})

describe('ERC-6492: a wallet not yet deployed signs through its factory (counterfactual)', () => {
  const salt = `0x${'6492'.repeat(16)}` as Hex
  const factoryBlock = 3n

  /** The address the factory would deploy `owner`'s wallet at, asked of the factory contract itself. */
  function counterfactualAddress(owner: typeof ownerA): Promise<string> {
    return readContract(client, {
      address: chain.factory as Hex,
      abi: factoryAbi,
      functionName: 'predict',
      args: [addressOf(owner) as Hex, salt],
      blockNumber: factoryBlock,
    })
  }

  /** The ERC-6492 wrapper: factory, calldata deploying `deployFor`'s wallet, then the inner signature. */
  function wrap(inner: Uint8Array, deployFor: typeof ownerA): Uint8Array {
    return fromHex(
      serializeErc6492Signature({
        address: chain.factory as Hex,
        data: encodeFunctionData({
          abi: factoryAbi,
          functionName: 'deploy',
          args: [addressOf(deployFor) as Hex, salt],
        }),
        signature: `0x${toHex(inner)}`,
      }).slice(2),
    )
  }

  /** An inbox registration of `wallet`, signed by `signer` through `sign`, verified at `blockNumber`. */
  async function registration(
    wallet: string,
    blockNumber: bigint,
    sign: (text: string) => Promise<Uint8Array>,
  ) {
    const inst = installation(9)
    const request = createInboxRequest({
      identifier: { kind: 'ethereum', address: wallet.toLowerCase() },
      nonce: 0n,
      installationPublicKey: inst.publicKey,
      clientTimestampNs: at(0),
    })
    await request.sign(inst)
    const scw = createSmartContractWalletSigner({ chainId, address: wallet, blockNumber, signMessage: sign })
    return { request, sig: await scw.sign(request.text) }
  }
  const ownerSignature = async (owner: typeof ownerA, text: string) =>
    ((await owner.sign(text)) as { signature: Uint8Array }).signature

  it('a wrapped signature of the future owner creates the inbox, and the wallet stays undeployed', async () => {
    const wallet = await counterfactualAddress(ownerA)
    expect(await getCode(client, { address: wallet as Hex, blockNumber: factoryBlock })).toBeUndefined()
    const { request, sig } = await registration(wallet, factoryBlock, async (text) =>
      wrap(await ownerSignature(ownerA, text), ownerA),
    )
    expect((sig as { signature: Uint8Array }).signature.length).toBeGreaterThan(65)
    await request.addSignature(sig, { scwVerifier: verifier })
    const state = applyUpdate(
      undefined,
      await verifyIdentityUpdate(request.build(), { scwVerifier: verifier }),
    )
    expect(getMember(state, { kind: 'ethereum', address: wallet.toLowerCase() })?.addedOnChainId).toBe(
      chainId,
    )
    // The validator deployed it inside the eth_call only: the chain still has no code there.
    expect(await getCode(client, { address: wallet as Hex, blockNumber: factoryBlock })).toBeUndefined()
  })

  it('refuses a wrapped signature by another key, before the factory exists, unwrapped, or deploying another wallet', async () => {
    const wallet = await counterfactualAddress(ownerA)
    const refused = async (blockNumber: bigint, sign: (text: string) => Promise<Uint8Array>) => {
      const { request, sig } = await registration(wallet, blockNumber, sign)
      return codeOf(request.addSignature(sig, { scwVerifier: verifier }))
    }
    // B is not the owner the factory calldata installs.
    expect(await refused(factoryBlock, async (t) => wrap(await ownerSignature(ownerB, t), ownerA))).toBe(
      'Identity::SignatureInvalid',
    )
    // At block 2 the factory has no code: nothing deploys the wallet, so nothing can accept.
    expect(await refused(2n, async (t) => wrap(await ownerSignature(ownerA, t), ownerA))).toBe(
      'Identity::SignatureInvalid',
    )
    // Without the wrapper the undeployed wallet cannot answer ERC-1271, and A's key is not the wallet.
    expect(await refused(factoryBlock, (t) => ownerSignature(ownerA, t))).toBe('Identity::SignatureInvalid')
    // The calldata deploys B's wallet (another address): the claimed wallet still has no code.
    expect(await refused(factoryBlock, async (t) => wrap(await ownerSignature(ownerA, t), ownerB))).toBe(
      'Identity::SignatureInvalid',
    )
    // The positive control with the same helper: the right owner and calldata pass at the same block.
    expect(await refused(factoryBlock, async (t) => wrap(await ownerSignature(ownerA, t), ownerA))).toBe(
      undefined,
    )
  })
})
