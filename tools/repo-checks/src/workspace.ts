/**
 * Finds the workspace's packages and their source files, for the repository-wide checks.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (three levels above this file). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** One workspace package as read from its package.json. */
export interface WorkspacePackage {
  readonly name: string
  /** Directory relative to the repository root, e.g. `packages/mls`. */
  readonly dir: string
  readonly dependencies: Readonly<Record<string, string>>
  readonly devDependencies: Readonly<Record<string, string>>
  readonly private: boolean
}

/** Every package under packages/, apps/ and tools/. */
export function listPackages(): WorkspacePackage[] {
  const out: WorkspacePackage[] = []
  for (const group of ['packages', 'apps', 'tools']) {
    const groupDir = join(repoRoot, group)
    if (!existsSync(groupDir)) continue
    for (const name of readdirSync(groupDir).sort()) {
      const manifest = join(groupDir, name, 'package.json')
      if (!existsSync(manifest)) continue
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name: string
        private?: boolean
        dependencies?: Record<string, string>
        devDependencies?: Record<string, string>
      }
      out.push({
        name: json.name,
        dir: `${group}/${name}`,
        dependencies: json.dependencies ?? {},
        devDependencies: json.devDependencies ?? {},
        private: json.private === true,
      })
    }
  }
  return out
}

/** Every file below `dir` (absolute) whose name passes `accept`, skipping node_modules and dist. */
export function listFiles(dir: string, accept: (name: string) => boolean): string[] {
  const out: string[] = []
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...listFiles(path, accept))
    else if (accept(name)) out.push(path)
  }
  return out
}
