#!/usr/bin/env node
// The `xmtp-lite-node` command: runs the built CLI (dist/bin.js, compiled from src/bin.ts). It lives outside
// dist/ so that installing the workspace can link the command before anything is built.
try {
  await import('../dist/bin.js')
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('node-lite/dist/bin.js')) {
    console.error('xmtp-lite-node: dist/ is not built (run `pnpm build` at the repository root)')
    process.exit(1)
  }
  throw error
}
