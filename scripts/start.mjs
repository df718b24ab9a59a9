#!/usr/bin/env node
// The README's first command ends here: start the devnet CLI (apps/devnet/src/cli.ts) from source, passing
// any arguments on. It runs the CLI directly with this same Node (the source condition and tsx, as
// apps/devnet's start script does) instead of through a second pnpm: each pnpm start costs a second or more.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// Ctrl-C reaches the CLI too (same process group); this process only waits for it to finish stopping.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => {})
const r = spawnSync(
  process.execPath,
  ['--conditions=@xmtp-lite/source', '--import', 'tsx', 'apps/devnet/src/cli.ts', ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: root },
)
process.exit(r.status ?? 0)
