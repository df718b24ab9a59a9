/**
 * The vitest settings every project shares: tests run against `src/` through the
 * `@xmtp-lite/source` export condition, so no package needs a build before its tests.
 * @module
 */
import { defineProject } from 'vitest/config'

const sourceCondition = '@xmtp-lite/source'

/** A vitest project rooted at a package directory. */
export function xmtpLiteProject(name: string): ReturnType<typeof defineProject> {
  return defineProject({
    resolve: { conditions: [sourceCondition, 'module', 'node', 'development|production'] },
    ssr: { resolve: { conditions: [sourceCondition, 'module', 'node', 'development|production'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scenarios/**/*.test.ts'],
      retry: 0,
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  })
}
