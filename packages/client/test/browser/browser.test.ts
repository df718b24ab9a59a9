/**
 * The client bundle in Debian's headless Chromium (apps/devnet/scripts/install-chromium.sh installs it)
 * against a node-lite on localhost: built by esbuild for the browser (no `node:` module, no gRPC), stored
 * in IndexedDB through `browser-level`, talking WebSocket; it exchanges messages with a Node-side client.
 */
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { build } from 'esbuild'
import { MemoryLevel } from 'memory-level'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/client.ts'
import type { harness } from './harness.ts'

const executablePath = '/usr/bin/chromium'

let node: RunningNode
let server: Server
let browser: Browser
let page: Page
let bundle: string
let inputs: string[]
let bob: Client

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: run apps/devnet/scripts/install-chromium.sh`)
  }
  // The bundle as a browser app would build it: the `browser` condition picks the client's browser
  // variants (no gRPC); `events` is the npm package abstract-level asks for in browsers.
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./harness.ts', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['@xmtp-lite/source', 'browser'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  bundle = result.outputFiles[0]?.text ?? ''
  inputs = Object.keys(result.metafile.inputs)

  node = await startNode({ memory: true, grpcPort: 0, httpPort: 0, rateLimits: false })
  server = createServer((req, res) => {
    if (req.url === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      res.end(bundle)
      return
    }
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end('<!doctype html><html><body><script type="module" src="/bundle.js"></script></body></html>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  page = await browser.newPage()
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  await page.waitForFunction(() => 'harness' in globalThis)
  bob = await Client.create(createWalletSigner(new Uint8Array(32).fill(71)), {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(72),
  })
}, 120_000)

afterAll(async () => {
  await bob?.close()
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
  await node?.close()
})

type Harness = typeof harness

/** Runs one harness step in the page (arguments and results cross as JSON-like values). */
function call<K extends keyof Harness>(
  method: K,
  ...args: Parameters<Harness[K]>
): Promise<Awaited<ReturnType<Harness[K]>>> {
  return page.evaluate(
    ([m, a]) => {
      const h = (globalThis as unknown as { harness: Record<string, (...x: unknown[]) => unknown> }).harness
      return h[m]?.(...a)
    },
    [method, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<Harness[K]>>>
}

describe('the client bundle in headless Chromium', () => {
  it('has no node: module and no gRPC in it', () => {
    expect(inputs.some((i) => i.includes('@grpc/grpc-js'))).toBe(false)
    expect(inputs.some((i) => i.startsWith('node:'))).toBe(false)
    expect(inputs.some((i) => i.includes('src/transport/grpc.browser.ts'))).toBe(true)
    expect(bundle).not.toMatch(/(from|import|require\()\s*["']node:/)
    expect(bundle.length).toBeGreaterThan(100_000)
  })

  it('registers over WebSocket, then receives from and sends to a Node-side client', async () => {
    const url = `ws://127.0.0.1:${node.httpPort}/ws`
    const platform = await call('platform')
    expect(platform).toEqual({ hasProcess: false, hasIndexedDb: true, hasWebSocket: true })
    const me = await call('start', url, 61, 'xmtp-browser-test')
    expect(me.inboxId).toMatch(/^[0-9a-f]{64}$/)

    const group = await bob.conversations.newGroup([me.inboxId], { name: 'node ⇄ chromium' })
    await group.sendText('hello from node')
    expect(await call('texts', group.id)).toEqual(['hello from node'])

    await call('sendText', group.id, 'hello from chromium')
    await group.sync()
    const received = (await group.messages()).filter((m) => m.kind === 'application')
    expect(received.map((m) => [m.content, m.senderInboxId])).toEqual([
      ['hello from node', bob.inboxId],
      ['hello from chromium', me.inboxId],
    ])

    // Everything was kept in IndexedDB: a new client on the same database is the same installation and
    // has the messages before any network read.
    await call('stop')
    expect((await call('databases')).some((n) => n?.includes('xmtp-browser-test'))).toBe(true)
    const again = await call('start', url, 61, 'xmtp-browser-test')
    expect(again).toEqual(me)
    expect(await call('storedTexts', group.id)).toEqual(['hello from node', 'hello from chromium'])
    await call('stop')
  })
})
