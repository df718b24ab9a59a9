/**
 * Where the repository is, and the small file helpers the tools share.
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (tools/xip/src/../../..). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** Files under `dir` (recursive) whose name `accept`s, as absolute paths in a stable order. */
export function walk(dir: string, accept: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...walk(path, accept))
    else if (accept(entry.name)) out.push(path)
  }
  return out
}

/** `path` relative to the repository root, with `/`. */
export function rel(path: string, root: string = repoRoot): string {
  return relative(root, path).split('\\').join('/')
}

/** The stable error codes documented in docs/errors.md (generated from every defineErrorCodes table). */
export function knownErrorCodes(root: string = repoRoot): Set<string> {
  const text = readFileSync(join(root, 'docs', 'errors.md'), 'utf8')
  return new Set(
    [...text.matchAll(/^\| `([A-Z][A-Za-z0-9]*::[A-Z][A-Za-z0-9]*)` \|/gm)].map((m) => m[1] as string),
  )
}
