import { defineProject, mergeConfig } from 'vitest/config'
import { xmtpLiteProject } from '../../vitest.shared.ts'

// The official SDK looks inboxes up on localhost:5556 whatever its apiUrl (interop.md), so the files of
// this project run one after the other and each owns that port while it runs.
export default mergeConfig(
  xmtpLiteProject('interop'),
  defineProject({ test: { fileParallelism: false, testTimeout: 120_000, hookTimeout: 180_000 } }),
)
