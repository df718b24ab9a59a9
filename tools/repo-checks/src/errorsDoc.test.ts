import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { collectGlossary, glossaryPath, renderGlossary } from './errorsDoc.ts'

describe('docs/errors.md', () => {
  it('is the rendering of every code table (run `pnpm gen` when this fails)', async () => {
    const rows = await collectGlossary()
    expect(rows.some((r) => r.code === 'Common::InvalidHex')).toBe(true)
    expect(readFileSync(glossaryPath, 'utf8')).toBe(renderGlossary(rows))
  })
})
