/**
 * Which tests prove which feature, derived from the repository (never a hand-kept list):
 *
 * - every folder of `vectors/` is a feature; its readers are the test files (outside tools/) whose source
 *   names the folder (`vectors/<folder>/`) or one of its vector files. Our implementation's result for
 *   the feature is the result of those readers.
 * - every `tools/interop/src/*.interop.test.ts` runs the official SDK (libxmtp) against our node, devnet
 *   and client. A line `Conformance: sdk <feature>, <feature>` in its first comment names the features it
 *   shows for the official SDK; a file without one is its own feature, `interop/<name>`.
 *
 * Results come from vitest's JSON reporter (`testResults[].assertionResults[]`).
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { listVectorFiles, rel, repoRoot, walk } from '@xmtp-lite/xip'

/** A feature and the test files that show it, per implementation (repository-relative paths). */
export interface Feature {
  readonly name: string
  /** A folder of vectors/ (a vector feature with no reader is a fail: its vectors check nothing). */
  readonly vectors: boolean
  /** Our implementation: the vector readers. */
  readonly ours: readonly string[]
  /** The official SDK: interop test files. */
  readonly sdk: readonly string[]
}

/** pass: every test of the files passed; fail: one failed, or a file did not run; n/a: no file shows it. */
export type Verdict = 'pass' | 'fail' | 'n/a'

/** The slice of vitest's JSON report this reads. */
export interface VitestJsonReport {
  readonly testResults: readonly {
    /** Absolute path of the test file. */
    readonly name: string
    readonly status: string
    readonly assertionResults: readonly { readonly status: string; readonly fullName: string }[]
  }[]
}

const testFile = (name: string) => name.endsWith('.test.ts')

/** The vector features and their readers. */
export function vectorFeatures(root: string = repoRoot): Feature[] {
  const tests = ['packages', 'apps']
    .flatMap((dir) => walk(join(root, dir), testFile))
    .map((path) => ({ path: rel(path, root), text: readFileSync(path, 'utf8') }))
  const byFolder = new Map<string, string[]>()
  for (const file of listVectorFiles(root)) {
    const folder = rel(file, root).split('/')[1] as string
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), basename(file)])
  }
  return [...byFolder]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([folder, files]) => ({
      name: folder,
      vectors: true,
      ours: tests
        .filter(
          (t) =>
            new RegExp(`vectors/${folder}(/|['"\`])`).test(t.text) ||
            files.some((f) => t.text.includes(`'${f}'`) || t.text.includes(`/${f}`)),
        )
        .map((t) => t.path),
      sdk: [],
    }))
}

/** The interop files and the features they show for the official SDK. */
export function sdkFeatures(root: string = repoRoot): Map<string, string[]> {
  const dir = join(root, 'tools', 'interop', 'src')
  const out = new Map<string, string[]>()
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.interop.test.ts'))
    .sort()) {
    const text = readFileSync(join(dir, name), 'utf8')
    const path = `tools/interop/src/${name}`
    const tag = /^\s*\*?\s*Conformance:\s*sdk\s+(.+)$/m.exec(text.split('*/')[0] ?? '')
    const features = tag?.[1]
      ? tag[1]
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [`interop/${name.replace('.interop.test.ts', '')}`]
    for (const f of features) out.set(f, [...(out.get(f) ?? []), path])
  }
  return out
}

/** Every feature: the vector folders, with the interop files merged in by name. */
export function allFeatures(root: string = repoRoot): Feature[] {
  const sdk = sdkFeatures(root)
  const features = vectorFeatures(root).map((f) => ({ ...f, sdk: sdk.get(f.name) ?? [] }))
  for (const [name, files] of sdk) {
    if (!features.some((f) => f.name === name)) features.push({ name, vectors: false, ours: [], sdk: files })
  }
  return features
}

/** The verdict of a set of test files in a report (undefined report: that suite was not run). */
export function verdictOf(
  files: readonly string[],
  report: VitestJsonReport | undefined,
  root: string = repoRoot,
): Verdict {
  if (files.length === 0) return 'n/a'
  if (report === undefined) return 'n/a'
  for (const file of files) {
    const result = report.testResults.find((r) => rel(r.name, root) === file)
    if (result === undefined || result.assertionResults.length === 0) return 'fail'
    if (result.status !== 'passed') return 'fail'
    if (
      result.assertionResults.some(
        (a) => a.status !== 'passed' && a.status !== 'skipped' && a.status !== 'pending',
      )
    ) {
      return 'fail'
    }
    if (result.assertionResults.every((a) => a.status !== 'passed')) return 'fail'
  }
  return 'pass'
}

/** One row of the table. */
export interface Row {
  readonly feature: string
  readonly ours: Verdict
  readonly sdk: Verdict
}

/**
 * The table. `ours` comes from the readers' report; `sdk` from the interop report (undefined: not run,
 * every SDK cell n/a). A vector feature with no reader at all is a fail: its vectors check nothing.
 */
export function buildTable(
  features: readonly Feature[],
  reports: { readonly ours: VitestJsonReport | undefined; readonly sdk: VitestJsonReport | undefined },
  root: string = repoRoot,
): Row[] {
  return features.map((f) => ({
    feature: f.name,
    ours: f.vectors && f.ours.length === 0 ? 'fail' : verdictOf(f.ours, reports.ours, root),
    sdk: verdictOf(f.sdk, reports.sdk, root),
  }))
}

/** The table as text. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['feature', 'ours (xmtp-lite)', 'official SDK (libxmtp 1.9.1)']
  const cells = rows.map((r) => [r.feature, r.ours, r.sdk])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)))
  const line = (c: readonly string[]) => `| ${c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}
