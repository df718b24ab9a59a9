import { type ServiceError, status } from '@grpc/grpc-js'
import { xmtp } from '@xmtp-lite/proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { NodeError } from './errors.ts'
import { NodeFlags, parseFlagList } from './flags.ts'
import { type RunningNode, startNode } from './node.ts'
import { groupMessage } from './testing/fixtures.ts'
import { connectTestClient, type TestGrpcClient } from './testing/grpcClient.ts'
import { decodeFrame, encodeFrame, type Frame } from './wsFrames.ts'

const mls = xmtp.mls.api.v1
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (e) {
    return e instanceof NodeError ? e.code : 'not a NodeError'
  }
}

describe('flag names and declarations', () => {
  it('parses comma-separated names and refuses hostile ones with Node::InvalidFlag', () => {
    expect(parseFlagList('')).toEqual([])
    expect(parseFlagList('xip-poll, welcome-pointers')).toEqual(['xip-poll', 'welcome-pointers'])
    const tooMany = Array.from({ length: 40 }, (_, i) => `f${i}`).join(',')
    for (const bad of ['XIP', 'xip_poll', '-x', 'x-', 'a,,b', 'a,a', 'a'.repeat(65), 'é', tooMany]) {
      expect(
        codeOf(() => parseFlagList(bad)),
        bad,
      ).toBe('Node::InvalidFlag')
    }
  })

  it('admits writes of clients whose flags the node runs, refuses the others', () => {
    const flags = new NodeFlags(['xip-poll'])
    expect(flags.list()).toEqual(['xip-poll'])
    expect(codeOf(() => flags.admitWrite(undefined))).toBeUndefined()
    expect(codeOf(() => flags.admitWrite('xip-poll'))).toBeUndefined()
    expect(codeOf(() => flags.admitWrite('xip-poll,xip-other'))).toBe('Node::FlagNotEnabled')
    expect(codeOf(() => new NodeFlags().admitWrite('xip-poll'))).toBe('Node::FlagNotEnabled')
    expect(codeOf(() => flags.admitWrite('Bad Flag'))).toBe('Node::InvalidFlag')
  })
})

let flagged: RunningNode
let plain: RunningNode
const clients: TestGrpcClient[] = []
const connect = (node: RunningNode, flags?: string) => {
  const c = connectTestClient(node.grpcPort, {}, flags === undefined ? {} : { 'x-xmtp-lite-flags': flags })
  clients.push(c)
  return c
}

beforeAll(async () => {
  flagged = await startNode({
    memory: true,
    grpcPort: 0,
    httpPort: 0,
    rateLimits: false,
    flags: ['xip-poll'],
  })
  plain = await startNode({ memory: true, grpcPort: 0, httpPort: 0, rateLimits: false })
})

afterAll(async () => {
  for (const c of clients) c.close()
  await flagged?.close()
  await plain?.close()
})

const send = (c: TestGrpcClient, tag: number) =>
  c.unary(
    'mls',
    'SendGroupMessages',
    mls.SendGroupMessagesRequest.encode({
      messages: [{ v1: groupMessage(new Uint8Array(16).fill(7), tag) }],
    }).finish(),
  )

async function failure(p: Promise<unknown>): Promise<{ code?: status; errorCode?: unknown }> {
  try {
    await p
    return {}
  } catch (e) {
    const err = e as ServiceError
    return { code: err.code, errorCode: err.metadata?.get('error-code')[0] }
  }
}

describe('a node with and a node without a flag (real gRPC and WebSocket)', () => {
  it('a start with a malformed flag fails before anything opens', async () => {
    await expect(
      startNode({ memory: true, grpcPort: 0, httpPort: false, flags: ['Nope'] }),
    ).rejects.toMatchObject({
      code: 'Node::InvalidFlag',
    })
  })

  it('over gRPC: a client declaring xip-poll publishes through the flagged node only', async () => {
    expect(await failure(send(connect(flagged, 'xip-poll'), 1))).toEqual({})
    expect(await failure(send(connect(plain, 'xip-poll'), 2))).toEqual({
      code: status.FAILED_PRECONDITION,
      errorCode: 'Node::FlagNotEnabled',
    })
    expect(await failure(send(connect(plain, 'Not A Flag'), 3))).toEqual({
      code: status.INVALID_ARGUMENT,
      errorCode: 'Node::InvalidFlag',
    })
    // A client declaring nothing is served by both; reads stay open to a flagged client everywhere.
    expect(await failure(send(connect(plain), 4))).toEqual({})
    expect(await failure(send(connect(flagged), 5))).toEqual({})
    const read = mls.QueryGroupMessagesResponse.decode(
      await connect(plain, 'xip-poll').unary(
        'mls',
        'QueryGroupMessages',
        mls.QueryGroupMessagesRequest.encode({ groupId: new Uint8Array(16).fill(7) }).finish(),
      ),
    )
    expect(read.messages).toHaveLength(1)
  })

  it('over the WebSocket API: the flag travels in the request frame metadata', async () => {
    const call = async (node: RunningNode, metadata: Record<string, string>): Promise<Frame> => {
      const ws = new WebSocket(`ws://127.0.0.1:${node.httpPort}/ws`)
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      const reply = new Promise<Frame>((resolve) =>
        ws.once('message', (d: Buffer) => resolve(decodeFrame(d))),
      )
      ws.send(
        encodeFrame({
          requestId: 1,
          method: '/xmtp.mls.api.v1.MlsApi/SendGroupMessages',
          body: {
            kind: 'request',
            payload: mls.SendGroupMessagesRequest.encode({
              messages: [{ v1: groupMessage(new Uint8Array(16).fill(8), 9) }],
            }).finish(),
          },
          metadata,
        }),
      )
      const frame = await reply
      ws.close()
      return frame
    }
    expect((await call(flagged, { 'x-xmtp-lite-flags': 'xip-poll' })).body.kind).toBe('response')
    expect((await call(plain, { 'x-xmtp-lite-flags': 'xip-poll' })).body).toMatchObject({
      kind: 'error',
      code: 'Node::FlagNotEnabled',
      status: status.FAILED_PRECONDITION,
    })
    expect((await call(plain, {})).body.kind).toBe('response')
  })

  it('the health endpoint tells which flags a node runs', async () => {
    const health = async (n: RunningNode) =>
      ((await (await fetch(`http://127.0.0.1:${n.httpPort}/health`)).json()) as { flags: string[] }).flags
    expect(await health(flagged)).toEqual(['xip-poll'])
    expect(await health(plain)).toEqual([])
    expect(flagged.flags).toEqual(['xip-poll'])
  })
})
