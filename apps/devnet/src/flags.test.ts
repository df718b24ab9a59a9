import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodePrivateMessageFrame, NodeError } from '@xmtp-lite/node-lite'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from './devnet.ts'
import { DevnetError } from './errors.ts'
import { parseFlagArgs } from './flags.ts'

const ids = [100, 200, 300]
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (e) {
    return e instanceof DevnetError ? e.code : 'not a DevnetError'
  }
}

describe('--flag NAME=IDS', () => {
  it('parses node ids per flag, or every node for a bare name', () => {
    expect(parseFlagArgs(['xip-poll=100,200', 'xip-other'], ids)).toEqual({
      'xip-poll': [100, 200],
      'xip-other': [100, 200, 300],
    })
    for (const bad of [
      ['xip-poll=400'],
      ['xip-poll=1x'],
      ['xip-poll='],
      ['Bad=100'],
      ['a=100', 'a=200'],
      ['a=100,100'],
    ]) {
      expect(
        codeOf(() => parseFlagArgs(bad, ids)),
        bad.join(' '),
      ).toBe('Devnet::InvalidArgument')
    }
  })
})

let devnet: Devnet
let browser: Browser | undefined

beforeAll(async () => {
  devnet = await startDevnet({
    nodes: 3,
    flags: { 'xip-poll': [100, 200] },
    nodeOptions: { rateLimits: false },
  })
})

afterAll(async () => {
  await browser?.close()
  await devnet?.stop()
})

const message = (n: number) => ({
  data: encodePrivateMessageFrame({
    groupId: new Uint8Array(16).fill(9),
    ciphertext: new Uint8Array([n]),
    contentType: 1,
  }),
  senderHmac: new Uint8Array(1),
  shouldPush: true,
})

describe('a devnet mixing nodes with and without a flag', () => {
  it('runs the flag on the listed nodes only, and they behave differently', async () => {
    expect(devnet.nodes.map((n) => [n.id, n.flags])).toEqual([
      [100, ['xip-poll']],
      [200, ['xip-poll']],
      [300, []],
    ])
    expect(devnet.status().nodes.map((n) => n.flags)).toEqual([['xip-poll'], ['xip-poll'], []])
    const flaggedClient = { client: 'c', flags: 'xip-poll' }
    await devnet.nodes[0]?.node?.service.sendGroupMessages(flaggedClient, [message(1)])
    const refused = await devnet.nodes[2]?.node?.service.sendGroupMessages(flaggedClient, [message(2)]).then(
      () => undefined,
      (e: unknown) => (e instanceof NodeError ? e.code : String(e)),
    )
    expect(refused).toBe('Node::FlagNotEnabled')
    // What the flagged node accepted still replicates to the node without the flag (nodes are content-blind).
    await expect.poll(() => devnet.status().nodes[2]?.replication?.cursors[100], { timeout: 30_000 }).toBe(1)
  })

  it('the status page shows which node runs which flag (Chromium)', async () => {
    const executablePath = '/usr/bin/chromium'
    if (!existsSync(executablePath))
      throw new Error(`${executablePath} is missing: run scripts/install-chromium.sh`)
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    })
    const page = await browser.newPage()
    await page.goto(devnet.statusPageUrl ?? '')
    await page.waitForSelector('tr[data-node="300"] td.flags')
    const flags = await page
      .locator('tbody tr td.flags')
      .evaluateAll((cells) => cells.map((c) => c.textContent))
    expect(flags).toEqual(['xip-poll', 'xip-poll', '–'])
    expect(await page.locator('thead th').last().textContent()).toBe('flags')
    await page.close()
  })
})

describe('pnpm devnet --flag', () => {
  it('starts the nodes with their flags and writes them to the status file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devnet-flags-'))
    const statusFile = join(dir, 'status.json')
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--conditions=@xmtp-lite/source',
        '--import',
        'tsx',
        'src/cli.ts',
        '--nodes',
        '3',
        '--port',
        '0',
        '--status-port',
        '0',
        '--status-file',
        statusFile,
        '--flag',
        'xip-poll=100,300',
      ],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    try {
      await expect.poll(() => existsSync(statusFile), { timeout: 60_000, interval: 100 }).toBe(true)
      const written = JSON.parse(readFileSync(statusFile, 'utf8')) as {
        nodes: { id: number; flags: string[] }[]
      }
      expect(written.nodes.map((n) => [n.id, n.flags])).toEqual([
        [100, ['xip-poll']],
        [200, []],
        [300, ['xip-poll']],
      ])
      expect(out).toMatch(/flags/)
    } finally {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }, 90_000)
})
