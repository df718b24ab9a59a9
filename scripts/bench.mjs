#!/usr/bin/env node
// `pnpm bench [filter]`: runs every *.bench.ts of the workspace (or those whose path contains the filter),
// each in its own Node process against source (the @xmtp-lite/source condition), one after the other.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path, out)
    else if (name.endsWith('.bench.ts')) out.push(path)
  }
  return out
}

const filter = process.argv[2]
const files = ['packages', 'apps', 'tools']
  .flatMap((root) => {
    try {
      return walk(root, [])
    } catch {
      return []
    }
  })
  .filter((f) => filter === undefined || f.includes(filter))
  .sort()
let failed = 0
for (const file of files) {
  console.log(`\n# ${file}`)
  const r = spawnSync(
    process.execPath,
    ['--conditions=@xmtp-lite/source', '--import', 'tsx', '--expose-gc', file],
    { stdio: 'inherit' },
  )
  if (r.status !== 0) failed++
}
if (files.length === 0) console.log('no benchmark matched')
process.exit(failed === 0 ? 0 : 1)
