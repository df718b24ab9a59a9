/**
 * The start bundle (scripts/bundle.mjs, what scripts/start.mjs runs): rebuilt whenever a file it was made of
 * changes (by content, whatever the mtime says), packages from node_modules imported where they are, each
 * module's import.meta.url its source's; and the devnet's own bundle runs the CLI (status file, status page,
 * clean stop) and a working verification worker.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureBundle, ensureDevnetBundle } from '../scripts/bundle.mjs'
import { devnetPrivateKey, devnetPublicKey } from './keys.ts'

const temp = mkdtempSync(join(tmpdir(), 'devnet-bundle-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

describe('ensureBundle', () => {
  const root = join(temp, 'ws')
  const cacheDir = join(root, 'node_modules', '.cache', 'test')
  const file = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  file('package.json', '{ "type": "module" }\n')
  file('node_modules/dep/package.json', '{ "name": "dep", "type": "module", "exports": "./index.js" }\n')
  file('node_modules/dep/index.js', "export const dep = 'dep-from-node_modules'\n")
  file(
    'src/a.ts',
    "import { dep } from 'dep'\nimport { b } from './b.ts'\nexport const out: string = [b, dep, import.meta.url].join(' ')\n",
  )
  file('src/b.ts', "export const b: string = 'one'\n")
  const ensure = () => ensureBundle({ root, cacheDir, entries: { a: join(root, 'src/a.ts') } })
  const run = async (dir: string) =>
    ((await import(pathToFileURL(join(dir, 'a.js')).href)) as { out: string }).out

  it('builds once, then rebuilds on every change of content, never on an mtime alone', async () => {
    const first = await ensure()
    expect(first).toMatchObject({ built: true, reason: 'no bundle yet' })
    expect(await run(first.dir)).toBe(
      `one dep-from-node_modules ${pathToFileURL(join(root, 'src/a.ts')).href}`,
    )
    // The package from node_modules is imported by its path, not copied into the bundle.
    const code = readFileSync(join(first.dir, 'a.js'), 'utf8')
    expect(code).toContain(pathToFileURL(join(root, 'node_modules/dep/index.js')).href)
    expect(code).not.toContain('dep-from-node_modules')
    expect(await ensure()).toEqual({ dir: first.dir, built: false, reason: 'current' })

    // Same size, same mtime, other content: still rebuilt.
    const b = join(root, 'src/b.ts')
    const { atime, mtime } = statSync(b)
    writeFileSync(b, "export const b: string = 'two'\n")
    utimesSync(b, atime, mtime)
    const second = await ensure()
    expect(second).toMatchObject({ built: true, reason: 'src/b.ts changed' })
    expect(second.dir).not.toBe(first.dir)
    expect(await run(second.dir)).toMatch(/^two /)

    // Touched, not changed: current.
    utimesSync(b, new Date(), new Date())
    expect((await ensure()).built).toBe(false)

    // A file that steers resolution (package.json), a package from node_modules after an install (pnpm
    // rewrites node_modules/.modules.yaml), a missing output.
    file('package.json', '{ "type": "module", "name": "ws" }\n')
    expect(await ensure()).toMatchObject({ built: true, reason: 'package.json changed' })
    file('node_modules/.modules.yaml', 'installed again\n')
    expect(await ensure()).toMatchObject({ built: true, reason: 'node_modules/.modules.yaml changed' })
    const last = await ensure()
    rmSync(join(last.dir, 'a.js'))
    expect(await ensure()).toMatchObject({ built: true, reason: 'bundle files missing' })
  })
})

describe("the devnet's bundle", () => {
  const cacheDir = join(temp, 'devnet-cache')
  let bundleDir = ''
  let child: ChildProcess | undefined
  afterAll(() => {
    child?.kill('SIGKILL')
  })

  it('runs the CLI: progress, the status file and page, the node status, a clean stop on Ctrl-C', async () => {
    const bundle = await ensureDevnetBundle({ cacheDir })
    expect(bundle.built).toBe(true)
    bundleDir = bundle.dir
    expect(await ensureDevnetBundle({ cacheDir })).toMatchObject({ dir: bundleDir, built: false })
    const statusFile = join(temp, 'status.json')
    const run = spawn(
      process.execPath,
      [join(bundleDir, 'cli.js'), '--port', '0', '--status-port', '0', '--status-file', statusFile],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = run
    let out = ''
    run.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    run.stderr?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    await expect.poll(() => existsSync(statusFile), { timeout: 60_000, interval: 50 }).toBe(true)
    const written = JSON.parse(readFileSync(statusFile, 'utf8')) as {
      statusPageUrl: string
      nodes: { id: number; statusUrl: string; grpcUrl: string }[]
    }
    expect(written.nodes.map((n) => n.id)).toEqual([100, 200, 300])
    expect(out).toMatch(/node 3 \(id 300\): up/)
    expect(out).toMatch(/3 nodes up in \d+ ms/)
    const status = (await (await fetch(written.nodes[0]?.statusUrl ?? '')).json()) as {
      nodeId: number
    }
    expect(status.nodeId).toBe(100)
    const page = await fetch(written.statusPageUrl)
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/<html/i)
    const exited = new Promise<[number | null, string | null]>((resolve) =>
      run.once('exit', (code, signal) => resolve([code, signal])),
    )
    run.kill('SIGINT')
    expect(await exited).toEqual([0, null])
    expect(out).toMatch(/stopping/)
    child = undefined
  }, 120_000)

  it('has a verification worker that vouches for a devnet node signature and not for a tampered one', async () => {
    expect(bundleDir).not.toBe('')
    const {
      createOriginatorEnvelope,
      createClientEnvelope,
      createUnsignedPayerEnvelope,
      groupMessagesTopic,
    } = await import('@xmtp-lite/envelopes')
    const envelope = createOriginatorEnvelope({
      payerEnvelope: createUnsignedPayerEnvelope(
        createClientEnvelope({
          targetTopic: groupMessagesTopic(new Uint8Array(16).fill(7)),
          payload: { kind: 'groupMessage', bytes: new Uint8Array([1, 2, 3]) },
        }),
      ),
      originatorNodeId: 100,
      originatorSequenceId: 1,
      originatorNs: 1_795_564_800_000_000_000n,
      nodePrivateKey: devnetPrivateKey(100),
    })
    if (envelope.proof.kind !== 'originatorSignature') throw new Error('expected a signature')
    const unsigned = envelope.unsignedOriginatorBytes
    const signature = envelope.proof.signature
    const tampered = unsigned.slice()
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1
    // verifyWorker.ts's request: u32be length ‖ unsigned ‖ 65-byte signature, per item.
    const items = [unsigned, tampered]
    const packed = new Uint8Array(items.reduce((n, u) => n + 4 + u.length + 65, 0))
    let offset = 0
    for (const u of items) {
      new DataView(packed.buffer).setUint32(offset, u.length)
      packed.set(u, offset + 4)
      packed.set(signature, offset + 4 + u.length)
      offset += 4 + u.length + 65
    }
    const worker = new Worker(new URL(pathToFileURL(join(bundleDir, 'verifyWorker.js')).href), {
      workerData: { role: 'xmtp-lite-replication-verify' },
    })
    try {
      const answer = await new Promise<Uint8Array>((resolve, reject) => {
        worker.on('error', reject)
        worker.on('message', (m: { ready?: true; ok?: Uint8Array }) => {
          if (m.ready === true) {
            worker.postMessage({ id: 1, key: devnetPublicKey(100), packed, count: items.length })
          } else if (m.ok !== undefined) resolve(m.ok)
        })
      })
      expect([...answer]).toEqual([1, 0])
    } finally {
      await worker.terminate()
    }
    // node-lite's pool in the bundle spawns this file (not the TypeScript entry through tsx).
    const chunks = readFileSync(join(bundleDir, 'cli.js'), 'utf8')
    expect(chunks).toContain(JSON.stringify(pathToFileURL(join(bundleDir, 'verifyWorker.js')).href))
  }, 60_000)
})
