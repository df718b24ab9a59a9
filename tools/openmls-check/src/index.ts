/**
 * `@xmtp-lite/openmls-check`: an OpenMLS peer (`@wireapp/core-crypto` 9.3.4 in WASM) for MLS-level
 * interop tests of `@xmtp-lite/mls`.
 * @module
 */
export type { OpenMlsReceived } from './coreCrypto.ts'
export { loadCoreCrypto, OpenMlsPeer } from './coreCrypto.ts'
