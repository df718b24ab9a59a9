#!/usr/bin/env node
// tsc does not copy the generated JavaScript: put src/gen/index.{js,d.ts} into dist/gen/ after the build.
import { cpSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
for (const file of ['index.js', 'index.d.ts']) {
  cpSync(join(packageDir, 'src', 'gen', file), join(packageDir, 'dist', 'gen', file))
}
