/**
 * A real EVM (@ethereumjs/evm) served as an Ethereum JSON-RPC endpoint on 127.0.0.1, for the node's
 * smart-contract-wallet tests: the node reaches it over HTTP exactly as it would reach a chain's RPC.
 * The chain runs the ERC-1271 test wallet of `@xmtp-lite/identity` (contracts/TestErc1271Wallet.sol,
 * compiled with solc-js at test time): block 1 deploys it owned by `owner`, block 2 hands it to `next`.
 * It serves `eth_chainId`, `eth_blockNumber` and `eth_call` at any of its blocks (one state root per
 * block), which is what signature verification needs. Not exported from the package.
 * @module
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { createEVM } from '@ethereumjs/evm'
import { MerkleStateManager } from '@ethereumjs/statemanager'
import { createAddressFromString } from '@ethereumjs/util'
import { fromHex, toHex } from '@xmtp-lite/common'
import { encodeAbiParameters, encodeFunctionData, parseAbi } from 'viem'

const require = createRequire(import.meta.url)
const walletAbi = parseAbi(['function setOwner(address next)'])
const deployer = '0x00000000000000000000000000000000000d3b10'
const zero = '0x0000000000000000000000000000000000000000'
const gasLimit = 30_000_000n

/** A running chain. */
export interface EvmRpc {
  readonly chainId: bigint
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** The wallet contract's address (checksummed as the EVM prints it). */
  readonly wallet: string
  /** JSON-RPC requests served so far. */
  readonly served: () => number
  close(): Promise<void>
}

function compileWallet(): string {
  const solc = require('solc') as { compile(input: string): string }
  const source = readFileSync(
    new URL('../../../identity/contracts/TestErc1271Wallet.sol', import.meta.url),
    'utf8',
  )
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'TestErc1271Wallet.sol': { content: source } },
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
  return output.contracts['TestErc1271Wallet.sol']?.TestErc1271Wallet?.evm.bytecode.object as string
}

type RpcError = Error & { code: number; data?: string }
const rpcError = (code: number, message: string, data?: string): RpcError =>
  Object.assign(new Error(message), { code, ...(data === undefined ? {} : { data }) })

/** Starts the chain and its JSON-RPC server on a free port. */
export async function startEvmRpc(params: {
  owner: string
  next: string
  chainId?: bigint
}): Promise<EvmRpc> {
  const chainId = params.chainId ?? 31337n
  const stateManager = new MerkleStateManager()
  const evm = await createEVM({
    common: new Common({ chain: Mainnet, hardfork: Hardfork.Prague }),
    stateManager,
  })
  const roots: Uint8Array[] = [await stateManager.getStateRoot()]
  const deploy = await evm.runCall({
    caller: createAddressFromString(deployer),
    data: fromHex(
      compileWallet() + encodeAbiParameters([{ type: 'address' }], [params.owner as `0x${string}`]).slice(2),
    ),
    gasLimit,
  })
  if (deploy.execResult.exceptionError !== undefined || deploy.createdAddress === undefined)
    throw new Error('deploy failed')
  roots.push(await stateManager.getStateRoot()) // block 1
  const handOver = await evm.runCall({
    caller: createAddressFromString(params.owner),
    to: deploy.createdAddress,
    data: fromHex(
      encodeFunctionData({
        abi: walletAbi,
        functionName: 'setOwner',
        args: [params.next as `0x${string}`],
      }).slice(2),
    ),
    gasLimit,
  })
  if (handOver.execResult.exceptionError !== undefined) throw new Error('setOwner failed')
  roots.push(await stateManager.getStateRoot()) // block 2
  const latest = roots.length - 1

  const blockOf = (tag: unknown): number => {
    if (typeof tag !== 'string' || ['latest', 'pending', 'safe', 'finalized'].includes(tag)) return latest
    const n = Number(BigInt(tag))
    if (n < 0 || n > latest) throw rpcError(-32000, 'header not found')
    return n
  }
  // One eth_call at a time: each one moves the state manager to its block's root.
  let queue: Promise<unknown> = Promise.resolve()
  const call = (args: unknown[]) => {
    const run = queue.then(async () => {
      const c = args[0] as { to?: string; from?: string; data?: string }
      await stateManager.setStateRoot(roots[blockOf(args[1])] as Uint8Array)
      await stateManager.checkpoint()
      try {
        const result = await evm.runCall({
          caller: createAddressFromString(c.from ?? zero),
          ...(c.to === undefined ? {} : { to: createAddressFromString(c.to) }),
          data: fromHex((c.data ?? '0x').slice(2)),
          gasLimit,
        })
        const ret = `0x${toHex(result.execResult.returnValue)}`
        if (result.execResult.exceptionError !== undefined) throw rpcError(3, 'execution reverted', ret)
        return ret
      } finally {
        await stateManager.revert()
      }
    })
    queue = run.catch(() => {})
    return run
  }
  const handle = async (method: string, params: unknown[]): Promise<unknown> => {
    switch (method) {
      case 'eth_chainId':
        return `0x${chainId.toString(16)}`
      case 'eth_blockNumber':
        return `0x${latest.toString(16)}`
      case 'eth_call':
        return call(params)
      default:
        throw rpcError(-32601, `method ${method} not served`)
    }
  }
  let served = 0
  const answer = async (request: { id?: unknown; method?: unknown; params?: unknown }) => {
    served++
    try {
      const result = await handle(String(request.method), (request.params ?? []) as unknown[])
      return { jsonrpc: '2.0', id: request.id ?? null, result }
    } catch (e) {
      const error = e as Partial<RpcError>
      return {
        jsonrpc: '2.0',
        id: request.id ?? null,
        error: {
          code: error.code ?? -32603,
          message: error.message ?? 'internal error',
          ...(error.data === undefined ? {} : { data: error.data }),
        },
      }
    }
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        let body: unknown
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          res.writeHead(400).end()
          return
        }
        const reply = Array.isArray(body)
          ? await Promise.all(body.map((b) => answer(b as Parameters<typeof answer>[0])))
          : await answer(body as Parameters<typeof answer>[0])
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    chainId,
    url: `http://127.0.0.1:${port}`,
    wallet: deploy.createdAddress.toString(),
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
