import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')

// Fails when a .proto under proto/ changed without `pnpm gen`, or when someone edited src/gen by hand.
describe('generated code', () => {
  // Asynchronous on purpose: pbts takes seconds, and a blocked worker cannot answer vitest's RPC.
  it('is byte-identical to a fresh generation from proto/', async () => {
    const out = mkdtempSync(join(tmpdir(), 'xmtp-lite-proto-fresh-'))
    try {
      const r = await promisify(execFile)(
        process.execPath,
        [join(packageDir, 'scripts', 'gen.mjs'), '--out', out],
        {
          encoding: 'utf8',
        },
      )
      expect(r.stderr).toBe('')
      for (const file of ['index.js', 'index.d.ts']) {
        const fresh = readFileSync(join(out, file), 'utf8')
        const committed = readFileSync(join(packageDir, 'src', 'gen', file), 'utf8')
        // Compare lengths first so a stale file fails with a short message rather than a 1 MB diff.
        expect({ file, length: committed.length }).toEqual({ file, length: fresh.length })
        expect(committed === fresh, `${file} is stale: run \`pnpm gen\``).toBe(true)
      }
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 240_000)
})
