/**
 * The publishable packages as npm consumers get them: `pnpm build` (scripts/build.mjs, turbo) makes each
 * one's dist/ (ESM .js and .d.ts with relative imports rewritten), every `exports` / `imports` / `bin`
 * target exists, plain Node (no tsx, no `@xmtp-lite/source` condition) loads each entry point from dist/
 * with the same runtime exports as the source, and `npm pack` ships those files.
 * The test command (scripts/test.mjs) builds before vitest; the build here is then a turbo cache replay.
 * @module
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { listFiles, listPackages, repoRoot } from './workspace.ts'

const sourceCondition = '@xmtp-lite/source'

interface Manifest {
  readonly name: string
  readonly exports?: Record<string, unknown>
  readonly imports?: Record<string, unknown>
  readonly bin?: Record<string, string>
}

/** Every target of a conditional export, with the conditions that lead to it. */
function targets(
  value: unknown,
  conditions: readonly string[] = [],
): { conditions: string[]; path: string }[] {
  if (typeof value === 'string') return [{ conditions: [...conditions], path: value }]
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, inner]) => targets(inner, [...conditions, key]))
}

interface Ran {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a command to its end without blocking this worker's event loop: a `spawnSync` of a minute-long
 * build starves vitest's worker RPC ("Timeout calling onTaskUpdate") and fails the file under load even
 * when every test passed. Killed (status null) after `timeoutMs`.
 */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.once('error', reject)
    child.once('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** Runs plain Node (no inherited NODE_OPTIONS, so no tsx and no source condition) in `cwd`. */
function plainNode(cwd: string, args: readonly string[]): Promise<Ran> {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return run(process.execPath, args, { cwd, env, timeoutMs: 120_000 })
}

const publishable = listPackages().filter((p) => p.dir.startsWith('packages/') && !p.private)

beforeAll(async () => {
  const r = await run(process.execPath, ['scripts/build.mjs', '--output-logs=errors-only'], {
    cwd: repoRoot,
    timeoutMs: 900_000,
  })
  if (r.status !== 0) throw new Error(`pnpm build failed:\n${r.stdout}\n${r.stderr}`)
}, 900_000)

it('finds the publishable packages', () => {
  expect(publishable.map((p) => p.name)).toEqual(
    expect.arrayContaining(['@xmtp-lite/common', '@xmtp-lite/client']),
  )
})

describe.each(publishable.map((p) => [p.name, p.dir] as const))('%s', (name, dir) => {
  const packageDir = join(repoRoot, dir)
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Manifest
  const subpaths = Object.keys(manifest.exports ?? {}).filter((s) => s !== './package.json')

  it('points consumers at dist/ and the source condition at src/, and every target exists', () => {
    expect(subpaths.length).toBeGreaterThan(0)
    const all = [...targets(manifest.exports), ...targets(manifest.imports)].filter(
      (t) => t.path !== './package.json',
    )
    for (const { conditions, path } of all) {
      const where = `${conditions.join(' > ')}: ${path}`
      if (conditions.includes(sourceCondition)) expect(path, where).toMatch(/^\.\/src\/.*\.ts$/)
      else if (conditions.includes('types')) expect(path, where).toMatch(/^\.\/dist\/.*\.d\.ts$/)
      else expect(path, where).toMatch(/^\.\/dist\/.*\.js$/)
      expect(existsSync(join(packageDir, path)), `${where} exists`).toBe(true)
    }
    for (const path of Object.values(manifest.bin ?? {}))
      expect(existsSync(join(packageDir, path)), path).toBe(true)
  })

  it('has no .ts specifier left in its JavaScript and every relative import of its declarations resolves', () => {
    const dist = join(packageDir, 'dist')
    const files = listFiles(dist, (f) => f.endsWith('.js') || f.endsWith('.d.ts'))
    expect(files.length).toBeGreaterThan(0)
    const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      for (const [, spec = ''] of text.matchAll(specifier)) {
        const where = `${relative(packageDir, file)} imports ${spec}`
        if (file.endsWith('.d.ts')) {
          // tsc keeps `.ts` in declarations; TypeScript resolves `x.ts` and `x.js` to the emitted `x.d.ts`.
          const base = spec.replace(/\.(?:ts|js)$/, '')
          expect(existsSync(join(dirname(file), `${base}.d.ts`)), where).toBe(true)
        } else {
          expect(spec, where).not.toMatch(/\.ts$/)
          expect(existsSync(join(dirname(file), spec)), where).toBe(true)
        }
      }
    }
  })

  it('loads every entry point from dist/ in plain Node, with the runtime exports of the source', async () => {
    // A package imports itself by name (self-reference), so this resolves through its own `exports`;
    // its @xmtp-lite dependencies resolve through node_modules to their dist/ likewise.
    const specs = subpaths.map((s) => (s === '.' ? name : `${name}${s.slice(1)}`))
    const script = `const out = {}
for (const spec of ${JSON.stringify(specs)}) {
  const mod = await import(spec)
  out[spec] = { url: import.meta.resolve(spec), keys: Object.keys(mod).sort() }
}
console.log(JSON.stringify(out))`
    const r = await plainNode(packageDir, ['--input-type=module', '-e', script])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const loaded = JSON.parse(r.stdout) as Record<string, { url: string; keys: string[] }>
    for (const [i, spec] of specs.entries()) {
      const built = loaded[spec]
      expect(built?.url, spec).toContain(`/${dir}/dist/`)
      // The same entry point's source (its `@xmtp-lite/source` target): the dist must expose the same API.
      const sourcePath = targets(manifest.exports?.[subpaths[i] ?? '']).find((t) =>
        t.conditions.includes(sourceCondition),
      )?.path
      expect(sourcePath, spec).toBeDefined()
      const source = (await import(/* @vite-ignore */ join(packageDir, sourcePath ?? ''))) as Record<
        string,
        unknown
      >
      expect(built?.keys, `${spec} (${subpaths[i]})`).toEqual(Object.keys(source).sort())
      expect(built?.keys.length, spec).toBeGreaterThan(0)
    }
  })

  it('npm pack ships package.json, README, dist/ and every target, and no tests', async () => {
    const packed = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: packageDir,
      timeoutMs: 120_000,
    })
    expect(packed.status, packed.stderr).toBe(0)
    const [pack] = JSON.parse(packed.stdout) as { files: { path: string }[] }[]
    const files = new Set((pack?.files ?? []).map((f) => f.path))
    expect(files.has('package.json')).toBe(true)
    expect(files.has('README.md')).toBe(true)
    const shipped = [...targets(manifest.exports), ...targets(manifest.imports), ...targets(manifest.bin)]
      .map((t) => t.path.replace(/^\.\//, ''))
      .filter((p) => p !== 'package.json')
    for (const path of shipped) expect(files.has(path), `${path} in the tarball`).toBe(true)
    expect([...files].filter((f) => f.startsWith('dist/')).length).toBeGreaterThan(subpaths.length)
    expect([...files].filter((f) => /\.(?:test|bench)\.ts$/.test(f))).toEqual([])
  })

  if (manifest.bin !== undefined) {
    it('runs its command from the built package', async () => {
      for (const [command, path] of Object.entries(manifest.bin ?? {})) {
        const r = await plainNode(packageDir, [path, '--help'])
        expect(r.status, `${command} --help: ${r.stderr}`).toBe(0)
        expect(r.stdout).toContain(`usage: ${command}`)
      }
    })
  }
})
