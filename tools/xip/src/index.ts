/**
 * `@xmtp-lite/xip`: the protocol-contributor tools as a library (the conformance runner uses the vector check).
 * @module
 */
export type { XipErrorCode } from './errors.ts'
export { XipError, xipErrorCodes } from './errors.ts'
export { knownErrorCodes, rel, repoRoot, walk } from './repo.ts'
export type { Generator, Regenerated, VectorCheck, VectorProblem } from './vectors.ts'
export { checkVectors, listGenerators, listVectorFiles, ownSchemaOf, regenerate } from './vectors.ts'
export type { NewXipParams, NewXipResult } from './xipNew.ts'
export { newXip, xipCategories, xipTypes } from './xipNew.ts'
