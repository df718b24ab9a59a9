/**
 * The official packages used as oracles load under this Node in both module systems (the README's
 * compatibility table is built from this).
 * @module
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const packages = [
  '@xmtp/content-type-text',
  '@xmtp/content-type-markdown',
  '@xmtp/content-type-primitives',
  '@xmtp/content-type-reaction',
  '@xmtp/content-type-read-receipt',
  '@xmtp/content-type-remote-attachment',
  '@xmtp/content-type-reply',
  '@xmtp/content-type-transaction-reference',
  '@xmtp/content-type-wallet-send-calls',
  '@xmtp/content-type-group-updated',
  '@xmtp/node-bindings',
]

function run(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, args, {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

describe('official packages', () => {
  it('load with import() (ESM)', () => {
    const script = `for (const p of ${JSON.stringify(packages)}) { const m = await import(p); if (Object.keys(m).length === 0) throw new Error(p) } console.log('ok')`
    const r = run(['--input-type=module', '-e', script])
    expect(r.out.trim().split('\n').at(-1)).toBe('ok')
    expect(r.status).toBe(0)
  })

  it('@xmtp/proto 3.96.0 loads with require() but not with import() (extensionless ESM imports)', () => {
    expect(run(['-e', "require('@xmtp/proto'); console.log('ok')"]).out.trim()).toBe('ok')
    const esm = run(['--input-type=module', '-e', "await import('@xmtp/proto')"])
    expect(esm.status).not.toBe(0)
    expect(esm.out).toContain('ERR_MODULE_NOT_FOUND')
  })

  it('load with require() (CJS; ESM-only packages through require(esm), Node >= 20.19)', () => {
    const script = `for (const p of ${JSON.stringify(packages)}) { const m = require(p); if (Object.keys(m).length === 0) throw new Error(p) } console.log('ok')`
    const r = run(['--no-warnings', '-e', script])
    expect(r.out.trim().split('\n').at(-1)).toBe('ok')
    expect(r.status).toBe(0)
  })
})
