/**
 * `pnpm vectors [--check] [--accept] [--only <generator path part>]`: checks every vector file, then reruns
 * the generators that own files into `*.new.json` (vectors/README.md). `--check` skips the generators;
 * `--accept` replaces each changed, schema-valid file with its `.new.json` after you reviewed the diff.
 * @module
 */
import { parseArgs } from 'node:util'
import { BaseError } from '@xmtp-lite/common'
import { checkVectors, regenerate } from './vectors.ts'

function main(): number {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean' },
      accept: { type: 'boolean' },
      only: { type: 'string' },
    },
    strict: true,
  })
  const check = checkVectors()
  process.stdout.write(`checked ${check.files.length} vector files, ${check.cases} cases\n`)
  for (const p of check.problems)
    process.stdout.write(`  ${p.file}${p.at === '' ? '' : ` ${p.at}`}: ${p.message}\n`)
  if (check.problems.length > 0) {
    process.stdout.write(`${check.problems.length} problems\n`)
    return 1
  }
  if (values.check === true) return 0
  const results = regenerate({
    ...(values.accept === true ? { accept: true } : {}),
    ...(values.only === undefined ? {} : { only: values.only }),
  })
  for (const r of results) process.stdout.write(`  ${r.state.padEnd(9)} ${r.file}\n`)
  const changed = results.filter((r) => r.state === 'changed')
  if (changed.length > 0) {
    process.stdout.write(
      `\n${changed.length} regenerated files differ: review with \`git diff --no-index <file> <file .new.json>\`, then \`pnpm vectors --accept\`\n`,
    )
  } else {
    process.stdout.write(`\n${results.length} generator-owned files regenerated, none differ\n`)
  }
  return 0
}

try {
  process.exitCode = main()
} catch (error) {
  process.stderr.write(`${error instanceof BaseError ? error.message : String(error)}\n`)
  process.exitCode = 1
}
