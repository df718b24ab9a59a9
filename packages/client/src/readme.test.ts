/**
 * The README's identifiers example, run as written: the code block is read from README.md, its imports are
 * handed in, and it runs against a real node-lite over gRPC with a real EVM serving the smart-contract
 * wallet (node-lite's test chain), so the documentation cannot drift from the API.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as identity from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EvmRpc, startEvmRpc } from '../../node-lite/src/testing/evmRpc.ts'
import { Client } from './client.ts'

let node: RunningNode
let chain: EvmRpc
let dir: string
const opened: Client[] = []
const owner = identity.createWalletSigner(new Uint8Array(32).fill(0x51))

/** The first ```ts block after `heading`, without its import lines. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf(heading))
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  if (block === undefined) throw new Error(`no code block under ${heading}`)
  return block.replace(/^import [\s\S]*? from '[^']+'\n/gm, '')
}

beforeAll(async () => {
  chain = await startEvmRpc({
    owner: owner.identifier.address,
    next: identity.createWalletSigner(new Uint8Array(32).fill(0x52)).identifier.address,
  })
  node = await startNode({
    memory: true,
    grpcPort: 0,
    httpPort: false,
    rateLimits: false,
    walletVerifierChains: { [`eip155:${chain.chainId}`]: chain.url },
  })
  dir = mkdtempSync(join(tmpdir(), 'xmtp-lite-readme-'))
}, 120_000)

afterAll(async () => {
  for (const c of opened) await c.close().catch(() => undefined)
  await node?.close()
  await chain?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('README', () => {
  it('runs the identifiers example as written', async () => {
    const code = readmeBlock('## Identifiers')
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const logged: unknown[][] = []
    // Everything the block uses that it does not define itself.
    const scope: Record<string, unknown> = {
      Client: {
        create: async (...args: Parameters<typeof Client.create>) => {
          const client = await Client.create(...args)
          opened.push(client)
          return client
        },
      },
      createPasskeySigner: identity.createPasskeySigner,
      createRpcScwVerifier: identity.createRpcScwVerifier,
      createSmartContractWalletSigner: identity.createSmartContractWalletSigner,
      createWalletSigner: identity.createWalletSigner,
      chainId: chain.chainId,
      rpcUrl: chain.url,
      walletAddress: chain.wallet,
      blockNumber: 1n,
      owner,
      alicePrivateKey: new Uint8Array(32).fill(0x53),
      apiUrl: `http://127.0.0.1:${node.grpcPort}`,
      db: new ClassicLevel<string, Uint8Array>(join(dir, 'alice')),
      phoneDb: new MemoryLevel<string, Uint8Array>(),
      encryptionKey: new Uint8Array(32).fill(5),
      privateKey: pair.privateKey,
      publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)),
      origin: 'https://app.example',
      rpId: 'app.example',
      console: { log: (...args: unknown[]) => logged.push(args) },
    }
    const names = Object.keys(scope)
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<void>
    await new AsyncFunction(...names, code)(...names.map((n) => scope[n]))

    const [alice, phone] = opened as [Client, Client]
    expect(phone.inboxId).toBe(alice.inboxId)
    expect(phone.isRevoked).toBe(true)
    expect(logged).toEqual([['signed out', phone.installationId]])
    const state = await alice.inboxState()
    // The wallet and the passkey are left; the smart wallet and the phone it added are gone.
    expect(state.identifiers.map((i) => i.kind).sort()).toEqual(['ethereum', 'passkey'])
    expect(state.installations.map((k) => Buffer.from(k).toString('hex'))).toEqual([alice.installationId])
  })
})
