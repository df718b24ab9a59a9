/**
 * `pnpm devnet [--nodes N] [--data DIR] [--port 5556] [--status-port P] [--status-file PATH]
 * [--flag NAME=ID,ID ...]`: starts the devnet, prints the table of nodes, and runs until Ctrl-C. Each
 * `--flag` runs a feature flag (a protocol change under review) on the listed node ids only.
 * @module
 */
import { renameSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startDevnet } from './devnet.ts'
import { DevnetError } from './errors.ts'
import { parseFlagArgs } from './flags.ts'
import { devnetNodeId } from './keys.ts'

function usage(): never {
  process.stderr.write(
    'usage: pnpm devnet [--nodes N (3)] [--data DIR] [--port GRPC_PORT_OF_NODE_1 (5556)] [--status-port P (0)] [--status-file PATH] [--flag NAME=NODE_ID,... (repeatable)]\n',
  )
  process.exit(2)
}

function int(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0)
    throw new DevnetError('Devnet::InvalidArgument', `${what} must be an integer`)
  return n
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>
  try {
    args = parse()
  } catch {
    usage()
  }
  if (args.values.help === true) usage()
  const started = performance.now()
  const nodes = int(args.values.nodes, 3, '--nodes')
  process.stdout.write(
    `starting ${nodes} nodes${args.values.data === undefined ? ' in memory' : ` in ${args.values.data}`}…\n`,
  )
  const flags = parseFlagArgs(
    args.values.flag ?? [],
    Array.from({ length: nodes }, (_, i) => devnetNodeId(i)),
  )
  const devnet = await startDevnet({
    nodes,
    flags,
    firstGrpcPort: int(args.values.port, 5556, '--port'),
    statusPort: int(args.values['status-port'], 0, '--status-port'),
    ...(args.values.data === undefined ? {} : { dataDir: args.values.data }),
    onProgress: (e) => process.stdout.write(`  node ${e.index + 1} (id ${e.id}): ${e.phase}\n`),
    log: (level, message) => {
      if (level !== 'info') process.stderr.write(`[${level}] ${message}\n`)
    },
  })
  const ms = Math.round(performance.now() - started)
  process.stdout.write(`\nxmtp-lite devnet: ${nodes} nodes up in ${ms} ms\n\n`)
  const rows = devnet.table()
  const header = ['node', 'id', 'V3 gRPC', 'WebSocket', 'status', 'flags']
  const cells = rows.map((r, i) => [
    String(i + 1),
    String(r.id),
    r.grpcUrl,
    r.wsUrl,
    r.statusUrl,
    r.flags.length === 0 ? '-' : r.flags.join(','),
  ])
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => (row[c] ?? '').length)))
  const line = (row: string[]) => `${row.map((v, c) => v.padEnd(widths[c] ?? 0)).join('  ')}\n`
  process.stdout.write(line(header))
  process.stdout.write(line(widths.map((w) => '-'.repeat(w))))
  for (const row of cells) process.stdout.write(line(row))
  if (devnet.statusPageUrl !== undefined) process.stdout.write(`\nstatus page: ${devnet.statusPageUrl}\n`)
  process.stdout.write('SDKs: env "local" reaches node 1; other nodes by apiUrl. Ctrl-C stops.\n')
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    process.stdout.write('\nstopping…\n')
    devnet.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`stop failed: ${String(e)}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // After the handlers: a script may stop the devnet as soon as it sees the file. Written whole (renamed
  // into place), so a reader never sees half of it.
  const statusFile = args.values['status-file']
  if (statusFile !== undefined) {
    const partial = `${statusFile}.${process.pid}.partial`
    writeFileSync(
      partial,
      `${JSON.stringify({ statusPageUrl: devnet.statusPageUrl ?? null, nodes: rows }, null, 2)}\n`,
    )
    renameSync(partial, statusFile)
  }
}

function parse() {
  return parseArgs({
    options: {
      nodes: { type: 'string', short: 'n' },
      data: { type: 'string' },
      port: { type: 'string' },
      'status-port': { type: 'string' },
      'status-file': { type: 'string' },
      flag: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
}

main().catch((error: unknown) => {
  process.stderr.write(`devnet failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
