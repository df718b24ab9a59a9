import { join } from 'node:path'
import { repoRoot } from '@xmtp-lite/xip'
import { describe, expect, it } from 'vitest'
import {
  allFeatures,
  buildTable,
  type Feature,
  renderTable,
  type VitestJsonReport,
  verdictOf,
} from './features.ts'

const abs = (p: string) => join(repoRoot, p)
const report = (files: Record<string, readonly string[]>): VitestJsonReport => ({
  testResults: Object.entries(files).map(([name, statuses]) => ({
    name: abs(name),
    status: statuses.every((s) => s !== 'failed') ? 'passed' : 'failed',
    assertionResults: statuses.map((status, i) => ({ status, fullName: `t${i}` })),
  })),
})

describe('features from the repository', () => {
  it('maps every vector folder to the tests that read it, and interop files to SDK features', () => {
    const features = allFeatures()
    const byName = new Map(features.map((f) => [f.name, f]))
    expect(byName.get('xip-poll')).toEqual({
      name: 'xip-poll',
      vectors: true,
      ours: ['packages/content-types/src/xip-poll/vectors.test.ts'],
      sdk: ['tools/interop/src/xipPoll.interop.test.ts'],
    })
    expect(byName.get('replication')?.ours).toContain('packages/node-lite/src/replication/vectors.test.ts')
    expect(byName.get('interop/devnet')).toMatchObject({
      vectors: false,
      ours: [],
      sdk: ['tools/interop/src/devnet.interop.test.ts'],
    })
    // Every vector folder has at least one reader today.
    expect(features.filter((f) => f.vectors && f.ours.length === 0)).toEqual([])
  })
})

describe('verdicts from vitest JSON reports', () => {
  const files = ['packages/a/a.test.ts', 'packages/b/b.test.ts']
  it('pass only when every file ran and every test passed', () => {
    expect(
      verdictOf(
        files,
        report({ [files[0] as string]: ['passed'], [files[1] as string]: ['passed', 'skipped'] }),
      ),
    ).toBe('pass')
    expect(
      verdictOf(
        files,
        report({ [files[0] as string]: ['passed'], [files[1] as string]: ['passed', 'failed'] }),
      ),
    ).toBe('fail')
    expect(verdictOf(files, report({ [files[0] as string]: ['passed'] })), 'a file that did not run').toBe(
      'fail',
    )
    expect(
      verdictOf(files, report({ [files[0] as string]: ['passed'], [files[1] as string]: [] })),
      'no tests',
    ).toBe('fail')
    expect(
      verdictOf(files, report({ [files[0] as string]: ['passed'], [files[1] as string]: ['skipped'] })),
      'all skipped',
    ).toBe('fail')
    expect(verdictOf([], report({}))).toBe('n/a')
    expect(verdictOf(files, undefined), 'suite not run').toBe('n/a')
  })

  it('builds the table: a vector folder without a reader fails', () => {
    const features: Feature[] = [
      {
        name: 'poll',
        vectors: true,
        ours: ['packages/a/a.test.ts'],
        sdk: ['tools/interop/src/x.interop.test.ts'],
      },
      { name: 'orphan', vectors: true, ours: [], sdk: [] },
      { name: 'interop/y', vectors: false, ours: [], sdk: ['tools/interop/src/y.interop.test.ts'] },
    ]
    const rows = buildTable(features, {
      ours: report({ 'packages/a/a.test.ts': ['passed'] }),
      sdk: report({
        'tools/interop/src/x.interop.test.ts': ['passed'],
        'tools/interop/src/y.interop.test.ts': ['failed'],
      }),
    })
    expect(rows).toEqual([
      { feature: 'poll', ours: 'pass', sdk: 'pass' },
      { feature: 'orphan', ours: 'fail', sdk: 'n/a' },
      { feature: 'interop/y', ours: 'n/a', sdk: 'fail' },
    ])
    expect(renderTable(rows).split('\n')[0]).toMatch(/^\| feature +\| ours \(xmtp-lite\) \| official SDK/)
  })
})
