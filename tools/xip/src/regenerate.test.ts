import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BaseError } from '@xmtp-lite/common'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from './repo.ts'
import { regenerate } from './vectors.ts'

// A scratch repository under <repo>/tmp (git-ignored) so the generators' `--import tsx` resolves from the
// repository's node_modules, as for the real generators.
mkdirSync(join(repoRoot, 'tmp'), { recursive: true })
const root = mkdtempSync(join(repoRoot, 'tmp', 'xip-regenerate-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const doc = (n: number) => ({
  description: 'd',
  generator: 'gen/make.ts (a test generator)',
  cases: [{ description: `case ${n}`, valid: true }],
})
const text = (n: number) => `${JSON.stringify(doc(n), null, 2)}\n`
const generator = (body: string) => writeFileSync(join(root, 'gen', 'make.ts'), body)
const writes = (n: number) =>
  generator(
    `import { writeFileSync } from 'node:fs'\nwriteFileSync(new URL('../vectors/g/a.new.json', import.meta.url), ${JSON.stringify(text(n))})\n`,
  )

mkdirSync(join(root, 'docs'))
cpSync(join(repoRoot, 'docs', 'errors.md'), join(root, 'docs', 'errors.md'))
cpSync(join(repoRoot, 'vectors', 'schema'), join(root, 'vectors', 'schema'), { recursive: true })
mkdirSync(join(root, 'vectors', 'g'), { recursive: true })
mkdirSync(join(root, 'gen'))
writeFileSync(join(root, 'vectors', 'g', 'a.json'), text(1))

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (e) {
    return e instanceof BaseError ? e.code : String(e)
  }
}

describe('pnpm vectors: regeneration into *.new.json', () => {
  it('reports unchanged output and removes its .new.json', () => {
    writes(1)
    expect(regenerate({ root })).toEqual([{ file: 'vectors/g/a.json', state: 'unchanged' }])
    expect(() => readFileSync(join(root, 'vectors', 'g', 'a.new.json'))).toThrow()
  })

  it('keeps a different output beside the reviewed file, and replaces it only with --accept', () => {
    writes(2)
    expect(regenerate({ root })).toEqual([{ file: 'vectors/g/a.json', state: 'changed' }])
    expect(readFileSync(join(root, 'vectors', 'g', 'a.json'), 'utf8')).toBe(text(1))
    expect(readFileSync(join(root, 'vectors', 'g', 'a.new.json'), 'utf8')).toBe(text(2))
    expect(regenerate({ root, accept: true })).toEqual([{ file: 'vectors/g/a.json', state: 'accepted' }])
    expect(readFileSync(join(root, 'vectors', 'g', 'a.json'), 'utf8')).toBe(text(2))
  })

  it('fails with Xip::GeneratorFailed when the generator throws or writes nothing', () => {
    generator("throw new Error('boom')\n")
    expect(codeOf(() => regenerate({ root }))).toBe('Xip::GeneratorFailed')
    generator('export {}\n')
    expect(codeOf(() => regenerate({ root }))).toBe('Xip::GeneratorFailed')
  })
})
