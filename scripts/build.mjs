#!/usr/bin/env node
// `pnpm build`: turbo builds every package's dist/ (dependencies first, cached by turbo).
// turbo runs each package's script through the workspace's package manager and looks the `pnpm` binary up
// on PATH ("Unable to find package manager binary" when pnpm only runs through `npx pnpm@…` or corepack).
// So this puts a `pnpm` on PATH first: the pnpm that runs this script (npm_execpath) when there is one,
// else the pinned version (packageManager) through npx. Extra arguments go to `turbo run build`.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`

/** The command line that runs the pinned pnpm, or null when `pnpm` on PATH is good enough. */
function pnpmCommand() {
  const execPath = process.env.npm_execpath
  if (execPath && /pnpm/.test(basename(execPath)) && existsSync(execPath)) {
    return execPath.endsWith('.js') || execPath.endsWith('.cjs')
      ? `${quote(process.execPath)} ${quote(execPath)}`
      : quote(execPath)
  }
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell: false })
  if (onPath.status === 0) return null
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  return `npx -y ${quote(packageManager)}`
}

const env = { ...process.env }
const command = pnpmCommand()
let shimDir = null
if (command !== null) {
  shimDir = mkdtempSync(join(tmpdir(), 'xmtp-lite-pnpm-'))
  const shim = join(shimDir, 'pnpm')
  writeFileSync(shim, `#!/bin/sh\nexec ${command} "$@"\n`)
  chmodSync(shim, 0o755)
  env.PATH = `${shimDir}${delimiter}${env.PATH ?? ''}`
}
const turbo = join(root, 'node_modules', '.bin', 'turbo')
const r = spawnSync(turbo, ['run', 'build', ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' })
if (shimDir !== null) rmSync(shimDir, { recursive: true, force: true })
process.exit(r.status ?? 1)
