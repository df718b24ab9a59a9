#!/usr/bin/env node
// The README's first command ends here: start the project's main job.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (existsSync('apps/devnet/package.json')) {
  const r = spawnSync(
    'npx',
    ['-y', 'pnpm@10.34.9', '--filter', '@xmtp-lite/devnet', 'start', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  )
  process.exit(r.status ?? 1)
}
console.log('apps/devnet does not exist yet: running the benchmarks instead (pnpm bench).')
const r = spawnSync(process.execPath, ['scripts/bench.mjs', ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(r.status ?? 1)
