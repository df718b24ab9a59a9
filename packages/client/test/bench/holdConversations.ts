/**
 * A child process of client.bench.ts: opens a client database on disk and reports its resident memory,
 * so the figure is the client's alone (no node, no other clients in the process).
 *
 *   node --conditions=@xmtp-lite/source --import tsx holdConversations.ts <dir> <apiUrl> <seed> <mode>
 *
 * `baseline`: the same runtime, modules loaded and the encrypted store opened, nothing else.
 * `client`: `Client.create` from the database, every conversation loaded (`list()`) and synced (`syncAll`).
 * Prints one JSON line: `{ rssBytes, heapUsedBytes, conversations }`.
 * @module
 */
import { createWalletSigner } from '@xmtp-lite/identity'
import { ClassicLevel } from 'classic-level'
import { Client } from '../../src/client.ts'
import { EncryptedStore } from '../../src/storage/store.ts'
import { walletKey } from './wallets.ts'

const [dir, apiUrl, seed, mode] = process.argv.slice(2)
if (dir === undefined || apiUrl === undefined || seed === undefined)
  throw new Error('usage: dir apiUrl seed mode')
const encryptionKey = new Uint8Array(32).fill(3)
const db = new ClassicLevel<string, Uint8Array>(dir)
let conversations = 0
let client: Client | undefined
if (mode === 'client') {
  client = await Client.create(createWalletSigner(walletKey(Number(seed))), {
    apiUrl,
    db,
    encryptionKey,
  })
  conversations = (await client.conversations.list()).length
  await client.conversations.syncAll()
} else {
  await EncryptedStore.open({ db, encryptionKey })
  // Load what the client run loads, so both processes carry the same code.
  void Client
}
const gc = (globalThis as { gc?: () => void }).gc
gc?.()
gc?.()
const usage = process.memoryUsage()
console.log(JSON.stringify({ rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, conversations }))
if (client !== undefined) await client.close()
else await db.close()
