/**
 * The TypeScript examples of the READMEs, and a runner for them: each block is type-stripped by the
 * TypeScript compiler, its imports are served from modules the caller passes, and it runs as written in an
 * async function (top-level await allowed) with the names it uses but does not define. readmes.test.ts
 * runs every block that can run here and names, for each other block, where its calls are tested.
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { repoRoot } from './workspace.ts'

/** One fenced ```ts block of a README. */
export interface ReadmeBlock {
  /** `<readme path> › <heading> #<n>`, n counting the ts blocks under that heading from 1. */
  readonly key: string
  readonly readme: string
  readonly code: string
}

/** The README.md files of the root, packages/*, apps/* and tools/*, relative to the repository root. */
export function readmePaths(): string[] {
  const out = existsSync(join(repoRoot, 'README.md')) ? ['README.md'] : []
  for (const group of ['packages', 'apps', 'tools']) {
    const dir = join(repoRoot, group)
    if (!existsSync(dir)) continue
    for (const name of readdirSync(dir).sort()) {
      if (existsSync(join(dir, name, 'README.md'))) out.push(`${group}/${name}/README.md`)
    }
  }
  return out
}

/** Every ```ts / ```typescript block of the READMEs, in file order. */
export function readmeBlocks(): ReadmeBlock[] {
  const out: ReadmeBlock[] = []
  for (const readme of readmePaths()) {
    const text = readFileSync(join(repoRoot, readme), 'utf8')
    let heading = '(top)'
    const counts = new Map<string, number>()
    for (const match of text.matchAll(/^(#{1,6} .*)$|^```(\w*)\n([\s\S]*?)^```/gm)) {
      if (match[1] !== undefined) {
        heading = match[1]
        continue
      }
      if (match[2] !== 'ts' && match[2] !== 'typescript') continue
      const n = (counts.get(heading) ?? 0) + 1
      counts.set(heading, n)
      out.push({ key: `${readme} › ${heading} #${n}`, readme, code: match[3] as string })
    }
  }
  return out
}

/** What {@link runReadmeCode} needs besides the code. */
export interface RunOptions {
  /** The module of each import specifier the code uses. */
  readonly modules: Readonly<Record<string, unknown>>
  /** Values of the free names the code uses (its "your key", "your server" …). */
  readonly scope?: Readonly<Record<string, unknown>>
  /** Local names of the code to hand back once it has run. */
  readonly returns?: readonly string[]
}

/** What the code printed (`console.log` / `console.table` arguments) and the locals asked for. */
export interface RunResult {
  readonly logged: unknown[][]
  readonly locals: Record<string, unknown>
}

/** Runs README code as written (types stripped, imports served from `options.modules`). */
export async function runReadmeCode(code: string, options: RunOptions): Promise<RunResult> {
  const { outputText, diagnostics } = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  })
  if (diagnostics !== undefined && diagnostics.length > 0) {
    const messages = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    throw new Error(`README code does not parse: ${messages.join('; ')}`)
  }
  const logged: unknown[][] = []
  const require = (id: string): unknown => {
    if (!Object.hasOwn(options.modules, id)) throw new Error(`README code imports ${id}: pass it in modules`)
    return options.modules[id]
  }
  const scope: Record<string, unknown> = {
    ...options.scope,
    require,
    exports: {},
    console: {
      log: (...args: unknown[]) => logged.push(args),
      table: (...args: unknown[]) => logged.push(args),
    },
  }
  const names = Object.keys(scope)
  const body = `${outputText}\nreturn { ${(options.returns ?? []).join(', ')} }`
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<Record<string, unknown>>
  const locals = await new AsyncFunction(...names, body)(...names.map((n) => scope[n]))
  return { logged, locals }
}
