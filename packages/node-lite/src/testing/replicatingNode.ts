/**
 * A replicating node in a child process, for crash tests (replication/crash.test.ts): node `--id` of a
 * two-node registry (100 and 200, keys derived from the id as the devnet's are), LevelDB at `--data-dir`
 * with fsync, its peer reached at the URL read from `--peer-url-file` at each pull (the test writes the
 * in-process peer's address there). Prints one JSON line `{ ready, grpcPort, httpPort }` when it is up.
 * Not exported from the package.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { defaultCrypto } from '@xmtp-lite/common'
import { startNode } from '../node.ts'
import type { RegistryNode } from '../replication/replicator.ts'

/** The fixed private key of test node `id`: sha256("xmtp-lite crash test node <id>"). */
export function testNodeKey(id: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`xmtp-lite crash test node ${id}`).digest())
}

/** The two-node registry of the crash test (urls are not used: peers are found by `peerUrl`). */
export function testRegistry(): RegistryNode[] {
  return [100, 200].map((id) => ({
    id,
    url: '',
    publicKey: defaultCrypto.secp256k1.getPublicKey(testNodeKey(id)),
  }))
}

/**
 * Starts this script as node `id` in a child process (through tsx, from source) on `dataDir`, with its peer
 * URL read from `peerUrlFile`, and resolves with the child and its ports once it prints its ready line.
 * Rejects if the child exits first. The caller owns the child (and kills it).
 */
export async function spawnReplicatingNode(
  id: number,
  dataDir: string,
  peerUrlFile: string,
): Promise<{ child: ChildProcess; grpcPort: number; httpPort: number }> {
  const script = fileURLToPath(import.meta.url)
  const child = spawn(
    process.execPath,
    [
      '--conditions=@xmtp-lite/source',
      '--import',
      'tsx',
      script,
      '--id',
      String(id),
      '--data-dir',
      dataDir,
      '--peer-url-file',
      peerUrlFile,
    ],
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const ready = await new Promise<{ grpcPort: number; httpPort: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)))
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: boolean; grpcPort: number; httpPort: number }
        if (parsed.ready === true) resolve(parsed)
      } catch {}
    })
  })
  return { child, ...ready }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      id: { type: 'string', default: '100' },
      'data-dir': { type: 'string' },
      'peer-url-file': { type: 'string' },
    },
    strict: true,
  })
  const id = Number(values.id)
  const peerUrlFile = values['peer-url-file']
  const node = await startNode({
    dataDir: values['data-dir'] as string,
    sync: true,
    grpcPort: 0,
    httpPort: 0,
    rateLimits: false,
    replication: {
      nodeId: id,
      privateKey: testNodeKey(id),
      registry: testRegistry(),
      peerUrl: () => (peerUrlFile === undefined ? '' : readFileSync(peerUrlFile, 'utf8').trim()),
      longPollMs: 500,
      retryMs: 50,
    },
  })
  console.log(JSON.stringify({ ready: true, grpcPort: node.grpcPort, httpPort: node.httpPort }))
  process.on('SIGTERM', () => {
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
