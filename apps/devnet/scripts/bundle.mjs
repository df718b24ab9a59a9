// The devnet CLI as prebuilt JavaScript, so that `pnpm start` / `pnpm devnet` (scripts/start.mjs) runs plain
// Node instead of loading every package's TypeScript through tsx's loader on each start.
//
// esbuild bundles the entries with the workspace's sources (the @xmtp-lite/source condition). Packages from
// node_modules stay outside: each is imported by the absolute file URL esbuild resolved for it, the file
// Node would load from the importing source file. In every workspace module `import.meta.url` (and
// `.dirname`, `.filename`) is replaced by its SOURCE file's, so `createRequire(import.meta.url)` (common's
// optional native backends) and files read beside a module resolve as they do from source.
//
// Never stale: the bundle sits in a directory of its own under node_modules/.cache/ with a manifest, the
// SHA-256 of every file it was made of, hashed as esbuild read it (a file changed during the build is
// caught on the next start), and of the files that steer resolution and output (package.json and
// tsconfig.json from each source's folder up to the root, the lockfile, pnpm's install state, esbuild's
// version, this script). `ensureBundle` re-hashes them all (about 3.5 MB for the devnet, ~15 ms) and
// rebuilds on any difference. A build goes to a new directory, and the manifest pointing at it is replaced
// atomically, so concurrent starts never see half a bundle.
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Bumped when the build options change in a way the hashed files do not show. */
const formatVersion = 2
const here = fileURLToPath(import.meta.url)
const missing = 'missing'

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex')
}

function hashFile(path) {
  try {
    return sha256(readFileSync(path))
  } catch {
    return missing
  }
}

function inNodeModules(path) {
  return path.split(sep).includes('node_modules')
}

/**
 * The files besides the sources whose change must rebuild: package.json and tsconfig*.json from each
 * source's folder up to the root, the root's lockfile and workspace file, pnpm's record of the install
 * (rewritten by every install, which may move the packages the bundle imports by path), esbuild's
 * package.json and this script.
 */
function steeringFiles(root, sources) {
  const files = new Set([
    join(root, 'pnpm-lock.yaml'),
    join(root, 'pnpm-workspace.yaml'),
    join(root, 'node_modules', '.modules.yaml'),
    here,
  ])
  const dirs = new Set()
  for (const source of sources) {
    let dir = dirname(source)
    while (!dirs.has(dir)) {
      dirs.add(dir)
      if (dir === root || relative(root, dir).startsWith('..')) break
      dir = dirname(dir)
    }
  }
  dirs.add(root)
  for (const dir of dirs) {
    for (const name of ['package.json', 'tsconfig.json', 'tsconfig.base.json']) {
      const path = join(dir, name)
      if (existsSync(path)) files.add(path)
    }
  }
  return [...files]
}

function readManifest(cacheDir) {
  try {
    return JSON.parse(readFileSync(join(cacheDir, 'manifest.json'), 'utf8'))
  } catch {
    return undefined
  }
}

/** Why the cached bundle cannot run (a changed file, ...), or undefined when it is current. */
function staleReason(manifest, root, entries) {
  if (manifest === undefined) return 'no bundle yet'
  if (manifest.formatVersion !== formatVersion) return 'bundle format changed'
  if (manifest.root !== root) return 'workspace moved'
  if (JSON.stringify(manifest.entries) !== JSON.stringify(entries)) return 'entries changed'
  for (const name of Object.keys(entries)) {
    if (!existsSync(join(manifest.dir, `${name}.js`))) return 'bundle files missing'
  }
  for (const [path, hash] of Object.entries(manifest.files)) {
    if (hashFile(path) !== hash) return `${relative(root, path)} changed`
  }
  return undefined
}

/**
 * A current bundle of `entries` (name → absolute source path; `<name>.js` in the bundle's directory), built
 * when there is none or any file it was made of changed. `define` maps global identifiers to JSON values in
 * the bundle; `bundleDefine(dir)` may compute more from the directory the build goes to.
 * Returns the directory, whether it was built now, and why.
 */
export async function ensureBundle({ root, entries, cacheDir, bundleDefine, log }) {
  root = resolve(root)
  const manifest = readManifest(cacheDir)
  const reason = staleReason(manifest, root, entries)
  if (reason === undefined) return { dir: manifest.dir, built: false, reason: 'current' }
  log?.(reason)

  const require = createRequire(here)
  const esbuild = await import(pathToFileURL(require.resolve('esbuild')).href)
  mkdirSync(cacheDir, { recursive: true })
  const dir = join(cacheDir, `build-${Date.now().toString(36)}-${process.pid}`)
  const files = {}
  const workspace = {
    name: 'xmtp-lite-workspace',
    setup(build) {
      // A package from node_modules stays a separate module, imported by the path esbuild resolved (with
      // the same conditions Node uses, plus the source condition, which only workspace packages have).
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === workspace || args.path.startsWith('node:')) return undefined
        const r = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: workspace,
        })
        if (r.errors.length > 0 || r.external) return r
        if (inNodeModules(r.path)) return { path: pathToFileURL(r.path).href, external: true }
        return r
      })
      build.onLoad({ filter: /\.(?:[cm]?[jt]s|json)$/ }, (args) => {
        if (inNodeModules(args.path)) return undefined
        const bytes = readFileSync(args.path)
        files[args.path] = sha256(bytes)
        const url = pathToFileURL(args.path)
        const text = bytes
          .toString('utf8')
          .replaceAll('import.meta.url', JSON.stringify(url.href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
        const ext = args.path.slice(args.path.lastIndexOf('.') + 1)
        const loader = ext === 'json' ? 'json' : ext.endsWith('ts') ? 'ts' : 'js'
        return { contents: text, loader }
      })
    },
  }
  const define = {}
  for (const [name, value] of Object.entries(bundleDefine?.(dir) ?? {})) define[name] = JSON.stringify(value)
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: dir,
    entryNames: '[name]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@xmtp-lite/source'],
    define,
    plugins: [workspace],
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
  })
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  const sources = Object.keys(files)
  for (const path of steeringFiles(root, sources)) files[path] = hashFile(path)
  files[require.resolve('esbuild/package.json')] = hashFile(require.resolve('esbuild/package.json'))
  const next = { formatVersion, root, entries, dir, builtAt: new Date().toISOString(), files }
  const tmp = join(cacheDir, `manifest.json.${process.pid}`)
  writeFileSync(tmp, `${JSON.stringify(next, null, 1)}\n`)
  renameSync(tmp, join(cacheDir, 'manifest.json'))
  removeOldBuilds(cacheDir, dir)
  return { dir, built: true, reason }
}

/** Removes earlier builds not used for a day (a devnet still running from one may load its worker late). */
function removeOldBuilds(cacheDir, keep) {
  const dayAgo = Date.now() - 24 * 3600 * 1000
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name)
    if (!name.startsWith('build-') || path === keep) continue
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true })
    } catch {}
  }
}

/**
 * The devnet CLI's bundle (`cli.js`) with node-lite's verification worker (`verifyWorker.js`, whose URL
 * node-lite's pool gets through `__XMTP_LITE_VERIFY_WORKER_URL__`), in
 * `<root>/node_modules/.cache/xmtp-lite-devnet` unless `cacheDir` says otherwise.
 */
export function ensureDevnetBundle({ root, cacheDir, log } = {}) {
  const top = resolve(root ?? join(dirname(here), '..', '..', '..'))
  return ensureBundle({
    root: top,
    cacheDir: cacheDir ?? join(top, 'node_modules', '.cache', 'xmtp-lite-devnet'),
    entries: {
      cli: join(top, 'apps', 'devnet', 'src', 'cli.ts'),
      verifyWorker: join(top, 'packages', 'node-lite', 'src', 'replication', 'verifyWorker.ts'),
    },
    bundleDefine: (dir) => ({
      __XMTP_LITE_VERIFY_WORKER_URL__: pathToFileURL(join(dir, 'verifyWorker.js')).href,
    }),
    log,
  })
}
