/**
 * `@xmtp-lite/conformance`: the feature table behind `pnpm conformance`.
 * @module
 */
export type { Feature, Row, Verdict, VitestJsonReport } from './features.ts'
export { allFeatures, buildTable, renderTable, sdkFeatures, vectorFeatures, verdictOf } from './features.ts'
