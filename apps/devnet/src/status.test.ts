import { existsSync } from 'node:fs'
import { encodePrivateMessageFrame } from '@xmtp-lite/node-lite'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from './devnet.ts'

// The status page in Debian's headless Chromium (apps/devnet/scripts/install-chromium.sh installs it), with
// the flags this machine needs (no sandbox as root, no background networking on a closed network).
const executablePath = '/usr/bin/chromium'

let devnet: Devnet
let browser: Browser

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: run apps/devnet/scripts/install-chromium.sh`)
  }
  devnet = await startDevnet({ nodes: 3, nodeOptions: { rateLimits: false } })
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
})

afterAll(async () => {
  await browser?.close()
  await devnet?.stop()
})

describe('status page', () => {
  it('loads in Chromium, shows every node, and refreshes live with cursors and counts', async () => {
    const page = await browser.newPage()
    await page.goto(devnet.statusPageUrl ?? '')
    await page.waitForSelector('tr[data-node="300"]')
    expect(await page.locator('tbody tr').count()).toBe(3)
    const ids = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')))
    expect(ids).toEqual(['100', '200', '300'])
    // Publish on node 100; the page (polling /status.json) shows node 300's cursor for 100 reach 2.
    const node = devnet.nodes[0]?.node
    const groupId = new Uint8Array(16).fill(5)
    await node?.service.sendGroupMessages(
      { client: 'page' },
      [1, 2].map((n) => ({
        data: encodePrivateMessageFrame({ groupId, ciphertext: new Uint8Array([n]), contentType: 1 }),
        senderHmac: new Uint8Array(1),
        shouldPush: true,
      })),
    )
    // Columns: node, state, gRPC, WebSocket, cursor 100, cursor 200, cursor 300, ...
    const cursorOf100 = page.locator('tr[data-node="300"] td').nth(4)
    await expect.poll(() => cursorOf100.textContent(), { timeout: 30_000 }).toBe('2')
    expect(await page.locator('tr[data-node="300"] td').nth(1).textContent()).toBe('up')
    await page.close()
  })
})
