import { defineProject, mergeConfig } from 'vitest/config'
import { xmtpLiteProject } from '../../vitest.shared.ts'

// core-crypto's WASM (7 MB) is compiled once per test file; every MLS operation on both sides runs on a
// shared 2-core machine, so the limits are generous.
export default mergeConfig(
  xmtpLiteProject('openmls-check'),
  defineProject({ test: { testTimeout: 120_000, hookTimeout: 180_000 } }),
)
