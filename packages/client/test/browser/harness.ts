/**
 * What the browser test runs inside Chromium: the client bundle (this file and everything it imports,
 * built by esbuild for the browser) with `browser-level` storage (IndexedDB) and the WebSocket transport.
 * It exposes a few steps on `globalThis.harness` for the test to drive through `page.evaluate`.
 * @module
 */
import { createWalletSigner } from '@xmtp-lite/identity'
import { BrowserLevel } from 'browser-level'
import { Client, type Conversation, createWebSocketTransport } from '../../src/index.ts'

let client: Client | undefined

function current(): Client {
  if (client === undefined) throw new Error('start() first')
  return client
}

async function conversation(id: string): Promise<Conversation> {
  const c = current()
  await c.conversations.syncWelcomes()
  const found = await c.conversations.get(id)
  if (found === undefined) throw new Error(`no conversation ${id}`)
  await found.sync()
  return found
}

/** The steps the test calls by name (`call('start', ...)` in browser.test.ts). */
export const harness = {
  /** Registers (or reloads from IndexedDB) the installation of the wallet `seed`. */
  async start(url: string, seed: number, dbName: string) {
    client = await Client.create(createWalletSigner(new Uint8Array(32).fill(seed)), {
      transport: createWebSocketTransport({ url }),
      db: new BrowserLevel<string, Uint8Array>(dbName),
      encryptionKey: new Uint8Array(32).fill(seed + 1),
    })
    return { inboxId: client.inboxId, installationId: client.installationId }
  },
  /** The texts of a conversation, after joining and syncing it. */
  async texts(id: string) {
    const messages = await (await conversation(id)).messages()
    return messages.filter((m) => m.kind === 'application').map((m) => m.content)
  },
  async sendText(id: string, text: string) {
    return (await conversation(id)).sendText(text)
  },
  /** The texts stored locally, without touching the network (what IndexedDB kept). */
  async storedTexts(id: string) {
    const found = await current().conversations.get(id)
    const messages = (await found?.messages()) ?? []
    return messages.filter((m) => m.kind === 'application').map((m) => m.content)
  },
  async stop() {
    await current().close()
    client = undefined
  },
  /** What the page's platform is: proof the bundle runs on browser APIs only. */
  platform() {
    return {
      hasProcess: typeof (globalThis as { process?: unknown }).process !== 'undefined',
      hasIndexedDb: typeof indexedDB !== 'undefined',
      hasWebSocket: typeof WebSocket !== 'undefined',
    }
  },
  async databases() {
    return (await indexedDB.databases()).map((d) => d.name)
  },
}

;(globalThis as { harness?: typeof harness }).harness = harness
