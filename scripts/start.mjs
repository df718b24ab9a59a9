#!/usr/bin/env node
// The README's first command ends here (`pnpm start`, `pnpm devnet`, `npm start`): the devnet CLI
// (apps/devnet/src/cli.ts), passing any arguments on.
//
// It runs in THIS process from a prebuilt bundle of the workspace's sources (apps/devnet/scripts/bundle.mjs,
// cached in node_modules/.cache/xmtp-lite-devnet and rebuilt first whenever any file it was made of changed),
// so a start neither starts a second Node nor loads the TypeScript of every package through tsx. Without the
// bundle (esbuild missing, a build error) or with XMTP_LITE_DEVNET_FROM_SOURCE=1, it runs the CLI from source
// with tsx in a child Node, as before.
import { spawnSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

async function bundledCli() {
  if (process.env.XMTP_LITE_DEVNET_FROM_SOURCE === '1') return undefined
  try {
    const { ensureDevnetBundle } = await import('../apps/devnet/scripts/bundle.mjs')
    const started = performance.now()
    const bundle = await ensureDevnetBundle({
      root,
      log: (reason) => process.stdout.write(`building the devnet bundle (${reason})…\n`),
    })
    if (bundle.built) process.stdout.write(`  built in ${Math.round(performance.now() - started)} ms\n`)
    return pathToFileURL(`${bundle.dir}/cli.js`).href
  } catch (error) {
    process.stderr.write(
      `devnet: no bundle (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); running from source\n`,
    )
    return undefined
  }
}

const cli = await bundledCli()
if (cli !== undefined) {
  // As the child ran before: relative paths (--data, --status-file) are the workspace root's.
  process.chdir(root)
  // Source maps are written beside the bundle but not loaded (~100 ms of a start):
  // NODE_OPTIONS=--enable-source-maps gives stack traces in the TypeScript sources.
  await import(cli)
} else {
  // Ctrl-C reaches the CLI too (same process group); this process only waits for it to finish stopping.
  process.on('SIGINT', () => {})
  process.on('SIGTERM', () => {})
  const r = spawnSync(
    process.execPath,
    ['--conditions=@xmtp-lite/source', '--import', 'tsx', 'apps/devnet/src/cli.ts', ...process.argv.slice(2)],
    { stdio: 'inherit', cwd: root },
  )
  process.exit(r.status ?? 0)
}
