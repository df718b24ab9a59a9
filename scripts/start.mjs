#!/usr/bin/env node
// The README's first command ends here: start the devnet (apps/devnet), passing any arguments on.
// Runs the same pnpm that runs this script (npm_execpath), or the pinned one through npx.
import { spawnSync } from 'node:child_process'

const args = ['--filter', '@xmtp-lite/devnet', 'start', ...process.argv.slice(2)]
const pnpm = process.env.npm_execpath ?? ''
const r = pnpm.includes('pnpm')
  ? spawnSync(process.execPath, [pnpm, ...args], { stdio: 'inherit' })
  : spawnSync('npx', ['-y', 'pnpm@10.34.9', ...args], { stdio: 'inherit' })
process.exit(r.status ?? 0)
