/**
 * The devnet's status view: `GET /` is a small page that polls `GET /status.json` twice a second and shows,
 * per node, its per-originator cursors, envelope counts, replication lag and the feature flags it runs.
 * @module
 */
import { createServer } from 'node:http'
import type { ReplicationStatus } from '@xmtp-lite/node-lite'

/** The JSON of `/status.json`. */
export interface DevnetStatus {
  readonly updatedAt: string
  readonly nodes: readonly {
    readonly id: number
    readonly grpcUrl: string
    readonly wsUrl: string
    readonly statusUrl: string
    readonly running: boolean
    /** The feature flags the node runs (node-lite src/flags.ts). */
    readonly flags: readonly string[]
    readonly replication: ReplicationStatus | null
  }[]
}

/** A running status server. */
export interface StatusServer {
  readonly port: number
  close(): Promise<void>
}

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>xmtp-lite devnet</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222 }
table { border-collapse: collapse; margin-top: 1rem }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: right; font-variant-numeric: tabular-nums }
th { background: #f3f3f3 } td.l { text-align: left } .down { color: #b00 } .up { color: #070 }
</style>
</head>
<body>
<h1>xmtp-lite devnet</h1>
<p id="updated">loading…</p>
<table id="nodes"><thead></thead><tbody></tbody></table>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])
async function refresh() {
  try {
    const res = await fetch('/status.json', { cache: 'no-store' })
    const s = await res.json()
    const ids = s.nodes.map((n) => n.id)
    const head = '<tr><th>node</th><th>state</th><th>V3 gRPC</th><th>WebSocket</th>' +
      ids.map((id) => '<th>cursor ' + id + '</th>').join('') +
      ids.map((id) => '<th>envelopes ' + id + '</th>').join('') + '<th>lag</th><th>flags</th></tr>'
    document.querySelector('#nodes thead').innerHTML = head
    document.querySelector('#nodes tbody').innerHTML = s.nodes.map((n) => {
      const r = n.replication
      const cell = (v) => '<td>' + (v === undefined ? '–' : v) + '</td>'
      const lag = r ? Object.values(r.peers).reduce((a, p) => a + p.lag, 0) : undefined
      return '<tr data-node="' + n.id + '"><td class="l">' + n.id + '</td>' +
        '<td class="l ' + (n.running ? 'up">up' : 'down">down') + '</td>' +
        '<td class="l">' + n.grpcUrl + '</td><td class="l">' + n.wsUrl + '</td>' +
        ids.map((id) => cell(r ? r.cursors[id] : undefined)).join('') +
        ids.map((id) => cell(r ? r.counts[id] : undefined)).join('') + cell(lag) +
        '<td class="l flags">' + (n.flags.length === 0 ? '–' : n.flags.map(esc).join(', ')) + '</td></tr>'
    }).join('')
    document.querySelector('#updated').textContent = 'updated ' + s.updatedAt
  } catch (e) {
    document.querySelector('#updated').textContent = 'devnet unreachable: ' + e
  }
}
refresh()
setInterval(refresh, 500)
</script>
</body>
</html>
`

/** Serves the status page and JSON on 127.0.0.1. */
export async function startStatusServer(params: {
  readonly port: number
  readonly status: () => DevnetStatus
}): Promise<StatusServer> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/status.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify(params.status()))
      return
    }
    if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(page)
      return
    }
    res.writeHead(404).end()
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(params.port, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : 0)
    })
  })
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
