import { xmtp } from '@xmtp-lite/proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type RunningNode, startNode } from './node.ts'
import { groupMessage } from './testing/fixtures.ts'
import { decodeFrame, encodeFrame, type Frame } from './wsFrames.ts'

const mls = xmtp.mls.api.v1
const path = (m: string) => `/xmtp.mls.api.v1.MlsApi/${m}`

let node: RunningNode

beforeAll(async () => {
  node = await startNode({
    memory: true,
    grpcPort: 0,
    httpPort: 0,
    rateLimits: false,
    limits: { maxStreamQueue: 32 },
  })
})
afterAll(async () => {
  await node.close()
})

class Conn {
  readonly ws: WebSocket
  readonly frames: Frame[] = []
  private waiters: (() => void)[] = []
  readonly open: Promise<void>
  constructor(port: number) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
    this.open = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.ws.on('message', (data: Buffer) => {
      this.frames.push(decodeFrame(new Uint8Array(data)))
      for (const w of this.waiters.splice(0)) w()
    })
  }
  send(requestId: number, method: string, payload: Uint8Array): void {
    this.ws.send(encodeFrame({ requestId, method, body: { kind: 'request', payload }, metadata: {} }))
  }
  async until(pred: (f: Frame) => boolean): Promise<Frame> {
    for (;;) {
      const f = this.frames.find(pred)
      if (f !== undefined) return f
      await new Promise<void>((r) => this.waiters.push(r))
    }
  }
}

const group = new Uint8Array(16).fill(3)
const send = (messages: ReturnType<typeof groupMessage>[]) =>
  mls.SendGroupMessagesRequest.encode({ messages: messages.map((v1) => ({ v1 })) }).finish()

describe('WebSocket API', () => {
  it('serves unary calls and streams with request ids, and typed errors for bad frames', async () => {
    const c = new Conn(node.httpPort as number)
    await c.open
    c.send(
      1,
      path('SubscribeGroupMessages'),
      mls.SubscribeGroupMessagesRequest.encode({ filters: [{ groupId: group }] }).finish(),
    )
    c.send(2, path('SendGroupMessages'), send([groupMessage(group, 1)]))
    expect((await c.until((f) => f.requestId === 2)).body.kind).toBe('response')
    const item = await c.until((f) => f.requestId === 1 && f.body.kind === 'streamItem')
    const message = item.body.kind === 'streamItem' ? mls.GroupMessage.decode(item.body.payload) : undefined
    expect(message?.v1?.groupId).toEqual(group)
    c.send(3, path('QueryGroupMessages'), mls.QueryGroupMessagesRequest.encode({ groupId: group }).finish())
    const page = await c.until((f) => f.requestId === 3)
    expect(
      page.body.kind === 'response' && mls.QueryGroupMessagesResponse.decode(page.body.payload).messages,
    ).toHaveLength(1)
    c.send(4, path('SendGroupMessages'), new Uint8Array([0xff, 0xff]))
    expect((await c.until((f) => f.requestId === 4)).body).toMatchObject({
      kind: 'error',
      code: 'Node::MalformedRequest',
      status: 3,
    })
    c.send(5, '/nope.Api/Call', new Uint8Array())
    expect((await c.until((f) => f.requestId === 5)).body).toMatchObject({ kind: 'error', status: 12 })
    c.ws.send(new Uint8Array([0x08, 0xff]))
    expect((await c.until((f) => f.requestId === 0)).body).toMatchObject({
      kind: 'error',
      code: 'Node::MalformedRequest',
    })
    c.ws.send(encodeFrame({ requestId: 1, method: '', body: { kind: 'cancel' }, metadata: {} }))
    c.send(
      6,
      path('GetNewestGroupMessage'),
      mls.GetNewestGroupMessageRequest.encode({ groupIds: [group] }).finish(),
    )
    expect((await c.until((f) => f.requestId === 6)).body.kind).toBe('response')
    c.ws.close()
  })

  it('cuts a reader that stops reading with Node::SlowReader while others keep being served', async () => {
    const slow = new Conn(node.httpPort as number)
    const other = new Conn(node.httpPort as number)
    await Promise.all([slow.open, other.open])
    const g = new Uint8Array(16).fill(9)
    slow.send(
      1,
      path('SubscribeGroupMessages'),
      mls.SubscribeGroupMessagesRequest.encode({ filters: [{ groupId: g }] }).finish(),
    )
    other.send(
      1,
      path('SubscribeGroupMessages'),
      mls.SubscribeGroupMessagesRequest.encode({ filters: [{ groupId: g }] }).finish(),
    )
    await new Promise((r) => setTimeout(r, 100))
    // Stop reading the socket: TCP fills, the node's sends stall, its bounded queue overflows.
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const ctx = { client: 'test' }
    // Publish until the node gives up on the stalled stream (bounded: the TCP buffers hold some megabytes).
    let sent = 0
    while (node.service.openStreams > 1 && sent < 2000) {
      await node.service.sendGroupMessages(ctx, [groupMessage(g, sent, 150_000)])
      sent++
      await new Promise((r) => setTimeout(r, 1))
    }
    expect(node.service.openStreams).toBe(1)
    ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    const cut = await slow.until((f) => f.requestId === 1 && f.body.kind === 'error')
    expect(cut.body).toMatchObject({ kind: 'error', code: 'Node::SlowReader', status: 10 })
    await other.until(() => other.frames.filter((f) => f.body.kind === 'streamItem').length >= sent)
    expect(other.frames.filter((f) => f.body.kind === 'streamItem')).toHaveLength(sent)
    expect(other.frames.some((f) => f.body.kind === 'error')).toBe(false)
    slow.ws.close()
    other.ws.close()
  })

  it('answers the health endpoint', async () => {
    const res = await fetch(`http://127.0.0.1:${node.httpPort}/health`)
    const body = (await res.json()) as { status: string; lastIds: { groupMessages: number } }
    expect(body.status).toBe('ok')
    expect(body.lastIds.groupMessages).toBeGreaterThan(100)
  })
})
