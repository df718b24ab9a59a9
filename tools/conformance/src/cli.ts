/**
 * `pnpm conformance [--no-interop] [--json FILE]`: checks every vector file against its schema, runs every
 * vector reader and the official-SDK interop suite (under `flock /tmp/xmtp-5556.lock`: the SDK needs port
 * 5556), and prints a table of features against implementations from vitest's JSON reports
 * (src/features.ts). Exits 1 when any cell fails.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { checkVectors, repoRoot } from '@xmtp-lite/xip'
import { allFeatures, buildTable, type Row, renderTable, type VitestJsonReport } from './features.ts'

const vitest = join(repoRoot, 'node_modules', '.bin', 'vitest')

/** Runs vitest with the JSON reporter; the report, or undefined when vitest wrote none. */
function runVitest(args: readonly string[], wrap: readonly string[] = []): VitestJsonReport | undefined {
  const out = join(mkdtempSync(join(tmpdir(), 'conformance-')), 'report.json')
  const command = [
    ...wrap,
    vitest,
    'run',
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...args,
  ]
  process.stdout.write(`\n$ ${command.join(' ')}\n`)
  spawnSync(command[0] as string, command.slice(1), { cwd: repoRoot, stdio: 'inherit' })
  return existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as VitestJsonReport) : undefined
}

function main(): number {
  const { values } = parseArgs({
    options: { 'no-interop': { type: 'boolean' }, json: { type: 'string' } },
    strict: true,
  })
  const check = checkVectors()
  process.stdout.write(
    `vector schema: ${check.files.length} files, ${check.cases} cases, ${check.problems.length} problems\n`,
  )
  for (const p of check.problems) process.stdout.write(`  ${p.file} ${p.at}: ${p.message}\n`)
  const features = allFeatures()
  const readers = [...new Set(features.flatMap((f) => f.ours))].sort()
  const ours = runVitest(readers)
  const sdk =
    values['no-interop'] === true
      ? undefined
      : runVitest(['--project', 'interop'], ['flock', '/tmp/xmtp-5556.lock'])
  const rows: Row[] = [
    {
      feature: 'vector files match the schema',
      ours: check.problems.length === 0 ? 'pass' : 'fail',
      sdk: 'n/a',
    },
    ...buildTable(features, { ours, sdk }),
  ]
  process.stdout.write(`\n${renderTable(rows)}\n`)
  if (values['no-interop'] === true) process.stdout.write('(official SDK not run: --no-interop)\n')
  if (values.json !== undefined)
    writeFileSync(values.json, `${JSON.stringify({ rows, features }, null, 2)}\n`)
  const failed = rows.filter((r) => r.ours === 'fail' || r.sdk === 'fail')
  process.stdout.write(`\n${rows.length - failed.length} features conform, ${failed.length} fail\n`)
  return failed.length === 0 ? 0 : 1
}

process.exitCode = main()
