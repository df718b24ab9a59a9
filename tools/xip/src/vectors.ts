/**
 * `pnpm vectors`: checks every `vectors/**\/*.json` against the one vector schema
 * (vectors/schema/vector-file.schema.json) plus the file's own schema when it has one, checks that every
 * `error` is a stable code some package defines (docs/errors.md), and reruns the generators that own
 * files so their output lands in `*.new.json` beside the reviewed file (openmls and ts-mls keep
 * `*-new.json` the same way). `--accept` replaces a reviewed file with its `.new.json`.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { XipError } from './errors.ts'
import { knownErrorCodes, rel, repoRoot, walk } from './repo.ts'

/** One problem found in one vector file. */
export interface VectorProblem {
  /** Repository-relative path. */
  readonly file: string
  /** JSON pointer into the file ('' for the whole file). */
  readonly at: string
  readonly message: string
}

/** What `checkVectors` found. */
export interface VectorCheck {
  /** Every vector file checked, repository-relative. */
  readonly files: readonly string[]
  readonly cases: number
  readonly problems: readonly VectorProblem[]
}

/** The vector files under `vectors/` (schemas, `*.new.json` and the schema folder are not vector files). */
export function listVectorFiles(root: string = repoRoot): string[] {
  return walk(join(root, 'vectors'), (name) => name.endsWith('.json') && !name.endsWith('.new.json')).filter(
    (path) => !rel(path, root).startsWith('vectors/schema/'),
  )
}

/**
 * The file's own schema, kept under `vectors/schema/` so readers listing a folder's `*.json` never meet it:
 * `vectors/schema/<folder>/<name>.schema.json`, else `vectors/schema/<folder>/cases.schema.json`, else none.
 */
export function ownSchemaOf(file: string, root: string = repoRoot): string | undefined {
  const relative = rel(file, root).replace(/^vectors\//, '')
  const folder = join(root, 'vectors', 'schema', dirname(relative))
  const own = join(folder, `${basename(relative, '.json').replace(/\.new$/, '')}.schema.json`)
  if (existsSync(own)) return own
  const shared = join(folder, 'cases.schema.json')
  return existsSync(shared) ? shared : undefined
}

function compile(ajv: Ajv, path: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(path, 'utf8')) as { $id?: string }
  return (schema.$id !== undefined ? ajv.getSchema(schema.$id) : undefined) ?? ajv.compile(schema)
}

const describeError = (e: ErrorObject): string =>
  `${e.message ?? 'invalid'}${e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ''}`

/** Checks one parsed vector document; `file` is used in the problems only. */
export function checkVectorDocument(
  doc: unknown,
  file: string,
  schemas: { readonly common: ValidateFunction; readonly own: ValidateFunction | undefined },
  codes: ReadonlySet<string>,
): VectorProblem[] {
  const problems: VectorProblem[] = []
  for (const validate of [schemas.common, schemas.own]) {
    if (validate === undefined || validate(doc)) continue
    for (const e of validate.errors ?? [])
      problems.push({ file, at: e.instancePath, message: describeError(e) })
  }
  const cases = (doc as { cases?: unknown }).cases
  if (Array.isArray(cases)) {
    cases.forEach((c: unknown, i) => {
      const error = (c as { error?: unknown } | null)?.error
      if (typeof error === 'string' && !codes.has(error)) {
        problems.push({
          file,
          at: `/cases/${i}/error`,
          message: `${error} is not a stable code of any package (docs/errors.md)`,
        })
      }
    })
  }
  return problems
}

/** Checks every vector file of the repository at `root`. */
export function checkVectors(
  root: string = repoRoot,
  files: readonly string[] = listVectorFiles(root),
): VectorCheck {
  const ajv = new Ajv({ allErrors: true, strict: false })
  const common = compile(ajv, join(root, 'vectors', 'schema', 'vector-file.schema.json'))
  const codes = knownErrorCodes(root)
  const problems: VectorProblem[] = []
  let cases = 0
  for (const path of files) {
    const file = rel(path, root)
    let doc: unknown
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      problems.push({ file, at: '', message: `not JSON: ${(error as Error).message}` })
      continue
    }
    const ownPath = ownSchemaOf(path, root)
    const own = ownPath === undefined ? undefined : compile(ajv, ownPath)
    problems.push(...checkVectorDocument(doc, file, { common, own }, codes))
    const n = (doc as { cases?: unknown }).cases
    if (Array.isArray(n)) cases += n.length
  }
  return { files: files.map((f) => rel(f, root)), cases, problems }
}

/** A script that owns vector files: the first word of their `generator` when it is a file in the repository. */
export interface Generator {
  /** Repository-relative script path. */
  readonly script: string
  /** The vector files it owns, repository-relative. */
  readonly files: readonly string[]
}

/** The generators named by the vector files' `generator` fields. */
export function listGenerators(root: string = repoRoot): Generator[] {
  const owned = new Map<string, string[]>()
  for (const path of listVectorFiles(root)) {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { generator?: unknown }
    const first = typeof doc.generator === 'string' ? doc.generator.split(/\s/)[0] : undefined
    if (first === undefined || !/\.(ts|mjs|js)$/.test(first) || !existsSync(join(root, first))) continue
    owned.set(first, [...(owned.get(first) ?? []), rel(path, root)])
  }
  return [...owned].map(([script, files]) => ({ script, files }))
}

/** The outcome for one owned file after its generator ran. */
export interface Regenerated {
  readonly file: string
  /** unchanged: identical (the .new.json is removed); changed: review `<file>.new.json`; accepted: replaced. */
  readonly state: 'unchanged' | 'changed' | 'accepted'
}

/** The package folder holding `script` (its nearest package.json), where `--import tsx` resolves. */
function packageDirOf(root: string, script: string): string {
  let dir = dirname(join(root, script))
  while (dir.length > root.length && !existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return dir
}

const newPathOf = (file: string): string => file.replace(/\.json$/, '.new.json')

/**
 * Runs each generator (or those whose script contains `only`), then compares every owned file with the
 * `.new.json` it wrote. With `accept`, a changed file whose `.new.json` passes the schema replaces it.
 * @throws {XipError} `Xip::GeneratorFailed` when a generator fails or leaves an owned file unwritten.
 */
export function regenerate(
  params: { readonly root?: string; readonly accept?: boolean; readonly only?: string } = {},
): Regenerated[] {
  const root = params.root ?? repoRoot
  const out: Regenerated[] = []
  for (const g of listGenerators(root)) {
    if (params.only !== undefined && !g.script.includes(params.only)) continue
    for (const f of g.files) rmSync(join(root, newPathOf(f)), { force: true })
    const cwd = packageDirOf(root, g.script)
    const run = spawnSync(
      process.execPath,
      ['--conditions=@xmtp-lite/source', '--import', 'tsx', join(root, g.script)],
      { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    )
    if (run.status !== 0) {
      throw new XipError('Xip::GeneratorFailed', `${g.script} exited with ${run.status}`, {
        details: run.stderr.slice(-2000),
      })
    }
    for (const file of g.files) {
      const fresh = join(root, newPathOf(file))
      if (!existsSync(fresh)) {
        throw new XipError('Xip::GeneratorFailed', `${g.script} did not write ${newPathOf(file)}`)
      }
      if (readFileSync(fresh, 'utf8') === readFileSync(join(root, file), 'utf8')) {
        rmSync(fresh)
        out.push({ file, state: 'unchanged' })
        continue
      }
      if (params.accept === true) {
        const check = checkVectors(root, [fresh])
        if (check.problems.length > 0) {
          throw new XipError('Xip::VectorFileInvalid', `${newPathOf(file)} fails the vector schema`, {
            details: check.problems.map((p) => `${p.at} ${p.message}`).join('\n'),
          })
        }
        renameSync(fresh, join(root, file))
        out.push({ file, state: 'accepted' })
      } else {
        out.push({ file, state: 'changed' })
      }
    }
  }
  return out
}
