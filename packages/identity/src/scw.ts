/**
 * A {@link SmartContractWalletVerifier} over viem public clients: ERC-6492 / ERC-1271 / EOA signatures
 * checked by an `eth_call` of the deployless universal validator at the signature's block number, the
 * method libxmtp's verifier uses (protocol/v3-node-api-and-identity.md §4.7).
 * @module
 */
import { toHex } from '@xmtp-lite/common'
import type { Client, Transport } from 'viem'
import { getBlockNumber, verifyHash } from 'viem/actions'
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
