/**
 * A {@link SmartContractWalletVerifier} over viem public clients: ERC-6492 / ERC-1271 / EOA signatures
 * checked by an `eth_call` of the deployless universal validator at the signature's block number, the
 * method libxmtp's verifier uses (protocol/v3-node-api-and-identity.md §4.7).
 * @module
 */
import { toHex } from '@xmtp-lite/common'
import { type Client, createPublicClient, http, type Transport } from 'viem'
import { getBlockNumber, getChainId, verifyHash } from 'viem/actions'
import { IdentityError } from './errors.ts'
import type { ScwVerifyParams, ScwVerifyResult, SmartContractWalletVerifier } from './verify.ts'

/** Options of {@link createViemScwVerifier}. */
export interface ViemScwVerifierOptions {
  /**
   * The client of a chain, or undefined when that chain is not served. Give clients without a `chain`
   * (or without `contracts.erc6492Verifier`) to get the deployless validator at any block.
   */
  readonly getClient: (chainId: bigint) => Client<Transport> | undefined
}

/**
 * A verifier answering through viem's `verifyHash` against each chain's RPC.
 * @example
 * const verifier = createViemScwVerifier({
 *   getClient: (id) => (id === 8453n ? createPublicClient({ transport: http(baseRpcUrl) }) : undefined),
 * })
 */
export function createViemScwVerifier(options: ViemScwVerifierOptions): SmartContractWalletVerifier {
  return {
    async verify(params: ScwVerifyParams): Promise<ScwVerifyResult> {
      const client = options.getClient(params.chainId)
      if (client === undefined) {
        throw new IdentityError(
          'Identity::ScwChainUnsupported',
          `no RPC is configured for chain ${params.chainId}`,
        )
      }
      try {
        const blockNumber = params.blockNumber ?? (await getBlockNumber(client))
        const isValid = await verifyHash(client, {
          address: params.address as `0x${string}`,
          hash: `0x${toHex(params.hash)}`,
          signature: `0x${toHex(params.signature)}`,
          blockNumber,
        })
        // viem's verifyHash answers `false` for any failed eth_call, an unreachable RPC included: a
        // `false` counts only once the RPC has answered something else, so an outage is not an invalid
        // signature.
        if (!isValid) await getBlockNumber(client, { cacheTime: 0 })
        return { isValid, blockNumber }
      } catch (cause) {
        throw new IdentityError(
          'Identity::ScwRpcFailed',
          'the chain RPC failed while verifying a wallet signature',
          {
            cause,
          },
        )
      }
    },
  }
}

/** Options of {@link createRpcScwVerifier}. */
export interface RpcScwVerifierOptions {
  /** Chain id → JSON-RPC URL (libxmtp's `chain_urls` map, keyed `eip155:<id>` there). */
  readonly chains: ReadonlyMap<bigint, string>
  /** Milliseconds one RPC call may take (default 10,000). */
  readonly timeoutMs?: number
}

/**
 * A verifier over JSON-RPC endpoints, one per configured chain: what a node is configured with (libxmtp's
 * verifier takes the same chain → URL map). A chain without a URL is `Identity::ScwChainUnsupported`.
 * @example
 * const verifier = createRpcScwVerifier({ chains: new Map([[8453n, 'https://base.example/rpc']]) })
 */
export function createRpcScwVerifier(options: RpcScwVerifierOptions): SmartContractWalletVerifier {
  const clients = new Map<bigint, Client<Transport>>()
  for (const [chainId, url] of options.chains) {
    clients.set(
      chainId,
      createPublicClient({ transport: http(url, { timeout: options.timeoutMs ?? 10_000, retryCount: 0 }) }),
    )
  }
  const viem = createViemScwVerifier({ getClient: (chainId) => clients.get(chainId) })
  // Each endpoint must serve the chain it is configured for (checked on first use, then remembered).
  const checked = new Map<bigint, Promise<void>>()
  const check = (chainId: bigint, client: Client<Transport>) => {
    let p = checked.get(chainId)
    if (p === undefined) {
      p = getChainId(client).then(
        (served) => {
          if (BigInt(served) !== chainId) {
            throw new IdentityError(
              'Identity::ScwRpcFailed',
              `the RPC configured for chain ${chainId} serves chain ${served}`,
            )
          }
        },
        (cause: unknown) => {
          throw new IdentityError('Identity::ScwRpcFailed', `the RPC of chain ${chainId} failed`, { cause })
        },
      )
      p.catch(() => checked.delete(chainId))
      checked.set(chainId, p)
    }
    return p
  }
  return {
    async verify(params) {
      const client = clients.get(params.chainId)
      if (client !== undefined) await check(params.chainId, client)
      return viem.verify(params)
    },
  }
}
