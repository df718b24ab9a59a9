/**
 * The layering of the workspace (docs/architecture.md): which package may depend on which, and which
 * third-party libraries each package alone may import. Enforced by layers.test.ts over package.json files
 * and over the import statements of every source file.
 * @module
 */

/** Layer of each workspace package; a package may depend only on packages of a lower layer. */
export const packageLayers: Readonly<Record<string, number>> = {
  '@xmtp-lite/common': 0,
  '@xmtp-lite/proto': 1,
  '@xmtp-lite/envelopes': 2,
  '@xmtp-lite/content-types': 2,
  '@xmtp-lite/identity': 2,
  '@xmtp-lite/mls': 2,
  '@xmtp-lite/node-lite': 3,
  '@xmtp-lite/client': 3,
  '@xmtp-lite/devnet': 4,
}

/** Tools (layer 4) may import anything; they are never imported by packages. */
export const toolLayer = 4

/** Edges the layer numbers allow but the design forbids (design.md "Rules"). */
export const forbiddenEdges: readonly (readonly [from: string, to: string])[] = [
  ['@xmtp-lite/node-lite', '@xmtp-lite/client'],
  ['@xmtp-lite/node-lite', '@xmtp-lite/content-types'],
  ['@xmtp-lite/client', '@xmtp-lite/node-lite'],
]

/** Third-party libraries that exactly one package owns: no other package's source may import them. */
export const ownedLibraries: Readonly<Record<string, string>> = {
  'ts-mls': '@xmtp-lite/mls',
  '@noble/curves': '@xmtp-lite/common',
  '@noble/hashes': '@xmtp-lite/common',
  '@noble/ciphers': '@xmtp-lite/common',
  protobufjs: '@xmtp-lite/proto',
}
