#!/usr/bin/env node
// The README's test command: lint, typecheck, build (dist/ of every package, checked by tools/repo-checks),
// then every test of every package in one vitest run.
// Prints a closing "N passed, N failed" line so CI can read the count.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false })
  return r.status ?? 1
}

const bin = (name) => join('node_modules', '.bin', name)
let failedStep = null
// The devnet's status page is checked in Debian's Chromium; install it when the machine lacks it.
if (existsSync('apps/devnet/scripts/install-chromium.sh') && !existsSync('/usr/bin/chromium')) {
  if (run('sh', ['apps/devnet/scripts/install-chromium.sh']) !== 0) failedStep ??= 'install chromium'
}
if (run(bin('biome'), ['ci', '.']) !== 0) failedStep ??= 'lint'
if (run(bin('tsc'), ['-p', 'tsconfig.json']) !== 0) failedStep ??= 'typecheck'
if (run(process.execPath, ['scripts/build.mjs', '--output-logs=errors-only']) !== 0) failedStep ??= 'build'

const out = join(mkdtempSync(join(tmpdir(), 'xmtp-lite-test-')), 'vitest.json')
const status = run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${out}`,
  ...process.argv.slice(2),
])
let passed = 0
let failed = 0
let skipped = 0
try {
  const report = JSON.parse(readFileSync(out, 'utf8'))
  passed = report.numPassedTests
  failed = report.numFailedTests
  skipped = report.numPendingTests + (report.numTodoTests ?? 0)
} catch {
  failed += 1
}
if (status !== 0) failedStep ??= 'test'
if (failedStep !== null && failed === 0) failed = 1
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`)
if (failedStep !== null) console.error(`failed step: ${failedStep}`)
process.exit(failedStep === null ? 0 : 1)
