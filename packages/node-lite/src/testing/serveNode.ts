/**
 * A node process for the scale benchmark (scale.bench.ts), bundled by it with esbuild and run by plain
 * Node.js, as an installed package runs: `serveNode.mjs <dataDir>`. It tells its parent how long
 * `startNode()` took and its gRPC port, samples its resident memory, and on 'report' closes the node and
 * answers with the peak. Not exported from the package.
 * @module
 */
import { readFileSync } from 'node:fs'
import { startNode } from '../node.ts'

/** Resident memory from /proc (Linux): anonymous (the process's own) and file-backed (mapped files). */
function residentKiB(): { anon: number; file: number } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
    return { anon: field('RssAnon'), file: field('RssFile') + field('RssShmem') }
  } catch {
    return { anon: 0, file: 0 }
  }
}

const t0 = performance.now()
const node = await startNode({
  dataDir: process.argv[2] as string,
  grpcPort: 0,
  httpPort: false,
  rateLimits: false,
})
const startMs = performance.now() - t0
let peak = { rss: 0, anon: 0, file: 0 }
const sample = () => {
  const rss = process.memoryUsage().rss
  if (rss > peak.rss) peak = { rss, ...residentKiB() }
}
sample()
const timer = setInterval(sample, 20)
process.on('message', async (m) => {
  if (m !== 'report') return
  clearInterval(timer)
  sample()
  const { heapTotal, external } = process.memoryUsage()
  await node.close()
  process.send?.(
    JSON.stringify({
      peakRss: peak.rss,
      peakAnon: peak.anon * 1024,
      peakFile: peak.file * 1024,
      heapTotal,
      external,
    }),
  )
  process.exit(0)
})
process.send?.(JSON.stringify({ port: node.grpcPort, startMs }))
