#!/usr/bin/env node
/**
 * `xmtp-lite-node`: runs one node-lite from the command line.
 *
 *   xmtp-lite-node [--data-dir DIR | --memory] [--host H] [--grpc-port 5556] [--http-port 5557]
 *                  [--retention-days 60] [--no-rate-limit] [--no-sync] [--log-level info|warn|error|silent]
 *                  [--wallet-verifier CHAIN=URL ...]
 *
 * `--wallet-verifier eip155:8453=https://…` (repeatable; `8453=…` also works) names the JSON-RPC endpoint
 * that checks ERC-1271 / ERC-6492 smart-contract-wallet signatures of that chain. Identity updates signed
 * by a wallet on a chain without one are refused (`Node::ScwChainNotConfigured`).
 *
 * SIGINT / SIGTERM stop it gracefully: new calls are refused, streams end, in-flight writes finish and the
 * database closes, so nothing acknowledged is lost. `GET /health` on the HTTP port answers while it runs.
 * @module
 */
import { parseArgs } from 'node:util'
import { startNode } from './node.ts'

const levels = { info: 0, warn: 1, error: 2, silent: 3 } as const
type Level = keyof typeof levels

const usage = `usage: xmtp-lite-node [--data-dir DIR | --memory] [--host HOST] [--grpc-port N] [--http-port N]
                      [--retention-days N] [--no-rate-limit] [--no-sync] [--log-level info|warn|error|silent]
                      [--wallet-verifier CHAIN=URL ...]`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      memory: { type: 'boolean', default: false },
      host: { type: 'string', default: '127.0.0.1' },
      'grpc-port': { type: 'string', default: '5556' },
      'http-port': { type: 'string', default: '5557' },
      'retention-days': { type: 'string', default: '60' },
      'no-rate-limit': { type: 'boolean', default: false },
      'no-sync': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      'wallet-verifier': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const level = values['log-level'] as Level
  if (!(level in levels)) throw new Error(`unknown log level ${level}\n${usage}`)
  const log = (l: 'info' | 'warn' | 'error', message: string) => {
    if (levels[l] >= levels[level]) console.error(`${new Date().toISOString()} ${l} ${message}`)
  }
  const port = (name: string, value: string) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`--${name} must be a port number\n${usage}`)
    return n
  }
  const dataDir = values['data-dir']
  if (dataDir === undefined && !values.memory) throw new Error(`give --data-dir DIR or --memory\n${usage}`)
  const retentionDays = Number(values['retention-days'])
  if (!Number.isInteger(retentionDays) || retentionDays < 0) throw new Error('--retention-days must be >= 0')
  const walletVerifierChains: Record<string, string> = {}
  for (const entry of values['wallet-verifier']) {
    const eq = entry.indexOf('=')
    if (eq <= 0) throw new Error(`--wallet-verifier takes CHAIN=URL, got ${entry}\n${usage}`)
    walletVerifierChains[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  const node = await startNode({
    ...(values.memory ? { memory: true } : { dataDir: dataDir as string }),
    host: values.host,
    grpcPort: port('grpc-port', values['grpc-port']),
    httpPort: port('http-port', values['http-port']),
    retentionDays,
    sync: !values['no-sync'],
    ...(values['no-rate-limit'] ? { rateLimits: false as const } : {}),
    walletVerifierChains,
    log,
  })
  log(
    'info',
    `node-lite: gRPC ${values.host}:${node.grpcPort}, WebSocket + /health ${values.host}:${node.httpPort}`,
  )
  // A line a parent process can wait for.
  console.log(
    JSON.stringify({ ready: true, grpcPort: node.grpcPort, httpPort: node.httpPort, pid: process.pid }),
  )
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log('info', `${signal}: shutting down`)
    node.close().then(
      () => {
        log('info', 'stopped')
        process.exit(0)
      },
      (error: unknown) => {
        log('error', `shutdown failed: ${String(error)}`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
