import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { forbiddenEdges, ownedLibraries, packageLayers, toolLayer } from './layers.ts'
import { listFiles, listPackages, repoRoot } from './workspace.ts'

const packages = listPackages()

function layerOf(name: string, dir: string): number {
  const layer = packageLayers[name]
  if (layer !== undefined) return layer
  if (dir.startsWith('tools/') || dir.startsWith('apps/')) return toolLayer
  throw new Error(`${name} has no layer in tools/repo-checks/src/layers.ts`)
}

/** The package specifiers a source file imports (static, dynamic and type imports). */
function importsOf(source: string): string[] {
  const out: string[] = []
  const pattern =
    /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm
  for (const match of source.matchAll(pattern)) {
    const spec = match[1] ?? match[2]
    if (spec !== undefined && !spec.startsWith('.') && !spec.startsWith('node:')) out.push(spec)
  }
  return out
}

function packageOfSpecifier(spec: string): string {
  const parts = spec.split('/')
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string)
}

describe('layering', () => {
  // Runtime dependencies follow the layers. A devDependency may point anywhere (client tests start a real
  // node-lite and talk to it over sockets); the next test makes sure only test files use it.
  it('every runtime workspace dependency points to a lower layer, and no forbidden edge exists', () => {
    const violations: string[] = []
    for (const pkg of packages) {
      const from = layerOf(pkg.name, pkg.dir)
      for (const [dep, range] of Object.entries(pkg.devDependencies)) {
        if (dep.startsWith('@xmtp-lite/') && range !== 'workspace:*') {
          violations.push(`${pkg.name} -> ${dep}: range must be workspace:*`)
        }
      }
      for (const [dep, range] of Object.entries(pkg.dependencies)) {
        if (!dep.startsWith('@xmtp-lite/')) continue
        if (range !== 'workspace:*') violations.push(`${pkg.name} -> ${dep}: range must be workspace:*`)
        const target = packages.find((p) => p.name === dep)
        if (target === undefined) continue
        const to = layerOf(target.name, target.dir)
        const isTool = target.dir.startsWith('tools/')
        if (!isTool && to >= from) violations.push(`${pkg.name} (layer ${from}) -> ${dep} (layer ${to})`)
        if (forbiddenEdges.some(([a, b]) => a === pkg.name && b === dep)) {
          violations.push(`${pkg.name} -> ${dep} is forbidden`)
        }
      }
    }
    expect(violations).toEqual([])
  })

  it('non-test source imports only runtime dependencies, and owned libraries only in their owner', () => {
    const violations: string[] = []
    for (const pkg of packages) {
      if (pkg.dir.startsWith('tools/')) continue
      const runtime = new Set(Object.keys(pkg.dependencies))
      const declared = new Set([...runtime, ...Object.keys(pkg.devDependencies)])
      const files = listFiles(
        join(repoRoot, pkg.dir, 'src'),
        (n) => n.endsWith('.ts') && !n.endsWith('.d.ts'),
      )
      for (const file of files) {
        const isTest = /\.(test|bench)\.ts$/.test(file)
        for (const spec of importsOf(readFileSync(file, 'utf8'))) {
          const name = packageOfSpecifier(spec)
          const where = relative(repoRoot, file)
          const owner = ownedLibraries[name]
          if (owner !== undefined && owner !== pkg.name && !isTest)
            violations.push(`${where} imports ${name}`)
          if (
            name.startsWith('@xmtp-lite/') &&
            name !== pkg.name &&
            !(isTest ? declared : runtime).has(name)
          ) {
            violations.push(`${where} imports ${name}, not among its ${isTest ? '' : 'runtime '}dependencies`)
          }
        }
      }
    }
    expect(violations).toEqual([])
  })

  it('sees the import forms it is meant to check', () => {
    expect(importsOf("import { a } from 'ts-mls'\nexport { b } from '@x/y/z'\nawait import('ws')")).toEqual([
      'ts-mls',
      '@x/y/z',
      'ws',
    ])
    expect(importsOf("import type { T } from './local.ts'\nimport x from 'node:fs'")).toEqual([])
  })
})
