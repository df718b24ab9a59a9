import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { httpGet, pullAgent } from './httpGet.ts'

interface Served {
  readonly url: string
  readonly server: Server
  /** Connections accepted so far. */
  readonly connections: () => number
}

const servers: Server[] = []
const agents: ReturnType<typeof pullAgent>[] = []

afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy()
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise<void>((resolve) => s.close(() => resolve()))
  }
})

/** A real server on port 0; `handle` gets the request, its number on its connection and the socket. */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse, nth: number) => void,
): Promise<Served> {
  let connections = 0
  const perSocket = new WeakMap<Socket, number>()
  const server = createServer((req, res) => {
    const nth = (perSocket.get(req.socket) ?? 0) + 1
    perSocket.set(req.socket, nth)
    handle(req, res, nth)
  })
  server.on('connection', () => connections++)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/x`, server, connections: () => connections }
}

function agent() {
  const a = pullAgent()
  agents.push(a)
  return a
}

describe('httpGet', () => {
  it('answers status, body and headers, and reuses its kept-alive connection', async () => {
    const body = new Uint8Array(200_000).map((_, i) => i % 251)
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'x-last-sequence-id': '42' })
      res.end(body)
    })
    const a = agent()
    for (let i = 0; i < 3; i++) {
      const answer = await httpGet(s.url, a, new AbortController().signal)
      expect(answer.status).toBe(200)
      expect(answer.header('X-Last-Sequence-Id')).toBe('42')
      expect(answer.header('x-missing')).toBeUndefined()
      expect(Buffer.from(answer.body).equals(Buffer.from(body))).toBe(true)
    }
    expect(s.connections()).toBe(1)
  })

  it('sends a request again on a new connection when a kept-alive one is reset before any answer', async () => {
    // The peer drops the connection on its second request, as when its keep-alive timeout closes it just as
    // the request goes out.
    const s = await serve((req, res, nth) => {
      if (nth === 2) {
        req.socket.resetAndDestroy()
        return
      }
      res.writeHead(200)
      res.end('ok')
    })
    const a = agent()
    expect((await httpGet(s.url, a, new AbortController().signal)).status).toBe(200)
    const again = await httpGet(s.url, a, new AbortController().signal)
    expect(Buffer.from(again.body).toString()).toBe('ok')
    expect(s.connections()).toBe(2)
  })

  it('rejects a reset of a new connection, and a reset of the retry', async () => {
    const fresh = await serve((req) => req.socket.resetAndDestroy())
    await expect(httpGet(fresh.url, agent(), new AbortController().signal)).rejects.toMatchObject({
      code: 'ECONNRESET',
    })
    let served = 0
    const always = await serve((req, res) => {
      if (served++ === 0) {
        res.writeHead(200)
        res.end('first')
        return
      }
      req.socket.resetAndDestroy()
    })
    const a = agent()
    await httpGet(always.url, a, new AbortController().signal)
    // The reused connection is reset, then the new one too: one retry only.
    let resets = 0
    always.server.on('request', () => resets++)
    await expect(httpGet(always.url, a, new AbortController().signal)).rejects.toMatchObject({
      code: 'ECONNRESET',
    })
    expect(resets).toBe(2)
  })

  it('rejects an answer cut short', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('0123456789', () => req.socket.destroy())
    })
    await expect(httpGet(s.url, agent(), new AbortController().signal)).rejects.toBeDefined()
  })

  it('rejects with the reason of an abort and drops the request', async () => {
    let closed: () => void = () => {}
    const requestClosed = new Promise<void>((resolve) => {
      closed = resolve
    })
    const s = await serve((req) => {
      req.socket.on('close', () => closed())
    })
    const abort = new AbortController()
    const pending = httpGet(s.url, agent(), abort.signal)
    while (s.connections() === 0) await new Promise((r) => setTimeout(r, 5))
    const reason = new Error('stopped')
    abort.abort(reason)
    await expect(pending).rejects.toBe(reason)
    await requestClosed
    await expect(httpGet(s.url, agent(), abort.signal)).rejects.toBe(reason)
  })
})
