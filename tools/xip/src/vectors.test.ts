import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './repo.ts'
import { checkVectors, listGenerators, listVectorFiles } from './vectors.ts'

/** A scratch repository with the real schema and glossary, and the given vector files. */
function scratch(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'xip-vectors-'))
  mkdirSync(join(root, 'docs'))
  cpSync(join(repoRoot, 'docs', 'errors.md'), join(root, 'docs', 'errors.md'))
  cpSync(join(repoRoot, 'vectors', 'schema'), join(root, 'vectors', 'schema'), { recursive: true })
  for (const [path, doc] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), typeof doc === 'string' ? doc : JSON.stringify(doc))
  }
  return root
}

const good = {
  description: 'd',
  generator: 'hand-written',
  cases: [
    { description: 'ok', valid: true, data: '00' },
    { description: 'bad', valid: false, data: 'ff', error: 'ContentType::MalformedProtobuf' },
  ],
}

describe('pnpm vectors: the check', () => {
  it('every vector file in the repository matches the schema and names known error codes', () => {
    const check = checkVectors()
    expect(check.problems).toEqual([])
    expect(check.files.length).toBe(listVectorFiles().length)
    expect(check.files.length).toBeGreaterThan(30)
    expect(check.cases).toBeGreaterThan(400)
  })

  it('finds the generators from the files’ own generator fields', () => {
    const scripts = listGenerators().map((g) => g.script)
    expect(scripts).toContain('packages/envelopes/test/generateVectors.ts')
    expect(scripts).toContain('packages/identity/scripts/generate-vectors.ts')
    // A capture or a hand-written file is owned by no script.
    expect(listGenerators().flatMap((g) => g.files)).not.toContain('vectors/proto/decode.json')
  })

  it('accepts a well-formed file and reports each kind of broken one', () => {
    const root = scratch({
      'vectors/a/good.json': good,
      'vectors/a/no-error.json': { ...good, cases: [{ description: 'x', valid: false }] },
      'vectors/a/valid-with-error.json': {
        ...good,
        cases: [{ description: 'x', valid: true, error: 'ContentType::MalformedProtobuf' }],
      },
      'vectors/a/unknown-code.json': {
        ...good,
        cases: [{ description: 'x', valid: false, error: 'ContentType::NoSuchThing' }],
      },
      'vectors/a/no-provenance.json': { description: 'd', cases: good.cases },
      'vectors/a/empty.json': { ...good, cases: [] },
      'vectors/a/garbage.json': '{"description": ',
      'vectors/a/ignored.new.json': { nope: true },
    })
    const check = checkVectors(root)
    expect(check.files).toHaveLength(7)
    const byFile = (name: string) => check.problems.filter((p) => p.file === `vectors/a/${name}`)
    expect(byFile('good.json')).toEqual([])
    expect(byFile('no-error.json').map((p) => p.at)).toContain('/cases/0')
    expect(byFile('valid-with-error.json').length).toBeGreaterThan(0)
    expect(byFile('unknown-code.json')).toEqual([
      expect.objectContaining({
        at: '/cases/0/error',
        message: expect.stringContaining('not a stable code'),
      }),
    ])
    expect(byFile('no-provenance.json')[0]?.message).toContain('generator')
    expect(byFile('empty.json')[0]?.at).toBe('/cases')
    expect(byFile('garbage.json')[0]?.message).toMatch(/^not JSON/)
  })

  it('applies a folder’s own vectors/schema/<folder>/cases.schema.json on top of the common one', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { cases: { type: 'array', items: { type: 'object', required: ['data'] } } },
    }
    const root = scratch({
      'vectors/schema/b/cases.schema.json': schema,
      'vectors/b/ok.json': good,
      'vectors/b/missing.json': { ...good, cases: [{ description: 'x', valid: true }] },
    })
    const check = checkVectors(root)
    expect(check.problems).toEqual([
      expect.objectContaining({ file: 'vectors/b/missing.json', at: '/cases/0' }),
    ])
  })
})
