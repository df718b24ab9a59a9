/**
 * A real node-lite for the client's tests: gRPC on a free port (on disk when a test restarts it, so it
 * comes back on the same port with its data), clients of it with in-memory stores, and the clean-up.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { Client, type ClientOptions } from '../src/client.ts'

/** Options of {@link TestNode.start}. */
export interface TestNodeOptions {
  /** Keep the node's data in a temporary directory, so {@link TestNode.restart} keeps it; default memory. */
  readonly disk?: boolean
  /** The node's feature flags (node-lite src/flags.ts); default none. */
  readonly flags?: readonly string[]
  /** Also serve HTTP (health, WebSocket API) on a free port; default gRPC only. */
  readonly http?: boolean
}

/** A node-lite and the clients a test made of it. */
export class TestNode {
  #node: RunningNode
  readonly #port: number
  readonly #dataDir: string | undefined
  readonly #options: TestNodeOptions
  readonly #clients: Client[] = []

  private constructor(node: RunningNode, dataDir: string | undefined, options: TestNodeOptions) {
    this.#node = node
    this.#port = node.grpcPort
    this.#dataDir = dataDir
    this.#options = options
  }

  static async start(options: TestNodeOptions = {}): Promise<TestNode> {
    const dataDir = options.disk === true ? mkdtempSync(join(tmpdir(), 'xmtp-lite-client-test-')) : undefined
    const node = await startNode({
      ...(dataDir === undefined ? { memory: true } : { dataDir }),
      grpcPort: 0,
      httpPort: options.http === true ? 0 : false,
      rateLimits: false,
      ...(options.flags === undefined ? {} : { flags: options.flags }),
    })
    return new TestNode(node, dataDir, options)
  }

  get node(): RunningNode {
    return this.#node
  }

  /** The node's gRPC URL (the same across restarts). */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** A client of the wallet whose private key is 32 bytes of `seed`, closed by {@link close}. */
  async newClient(seed: number, options: Partial<ClientOptions> = {}): Promise<Client> {
    const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
      apiUrl: this.url,
      db: new MemoryLevel(),
      encryptionKey: new Uint8Array(32).fill(2),
      ...options,
    })
    this.#clients.push(client)
    return client
  }

  /** Stops the node (its clients see it go away). */
  async stop(): Promise<void> {
    await this.#node.close()
  }

  /** Starts the stopped node again on the same port and data (needs `disk`). */
  async restart(): Promise<void> {
    if (this.#dataDir === undefined) throw new Error('TestNode.restart needs { disk: true }')
    this.#node = await startNode({
      dataDir: this.#dataDir,
      grpcPort: this.#port,
      httpPort: false,
      rateLimits: false,
      ...(this.#options.flags === undefined ? {} : { flags: this.#options.flags }),
    })
  }

  /** Closes the clients, then the node, and removes its data. */
  async close(): Promise<void> {
    for (const client of this.#clients) await client.close()
    await this.#node.close()
    if (this.#dataDir !== undefined) rmSync(this.#dataDir, { recursive: true, force: true })
  }
}
