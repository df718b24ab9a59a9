import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientError } from '../errors.ts'
import { createGrpcTransport } from './grpc.ts'
import { GrpcStatus } from './status.ts'
import type { Transport } from './transport.ts'

// A real grpc-js server on a real socket, with raw-bytes handlers: what the transport must carry and
// how it must classify failures.
const server = new grpc.Server()
const raw = (b: Buffer) => b
let transport: Transport
let seenMetadata: grpc.Metadata | undefined

beforeAll(async () => {
  server.register(
    '/test.Echo/Unary',
    (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      seenMetadata = call.metadata
      const first = call.request[0]
      if (first === 0xee) callback({ code: GrpcStatus.INVALID_ARGUMENT, details: 'bad request' })
      else if (first === 0xe8) callback({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'slow down' })
      else callback(null, Buffer.concat([Buffer.from([1]), call.request]))
    },
    raw,
    raw,
    'unary',
  )
  server.register(
    '/test.Echo/Stream',
    (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      call.sendMetadata(new grpc.Metadata())
      const n = call.request[0] ?? 0
      for (let i = 0; i < n; i++) call.write(Buffer.from([i]))
      if (call.request[1] === 1) call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'going away' })
      else call.end()
    },
    raw,
    raw,
    'serverStream',
  )
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  )
  transport = createGrpcTransport({ url: `http://127.0.0.1:${port}`, appVersion: 'test/1' })
})

afterAll(async () => {
  await transport.close()
  server.forceShutdown()
})

function collect(path: string, request: Uint8Array) {
  return new Promise<{ items: number[]; error?: ClientError; opened: boolean }>((resolve) => {
    const items: number[] = []
    let opened = false
    transport.serverStream(path, request, {
      onOpen: () => {
        opened = true
      },
      onMessage: (m) => items.push(m[0] ?? -1),
      onError: (error) => resolve({ items, error, opened }),
      onEnd: () => resolve({ items, opened }),
    })
  })
}

describe('gRPC transport', () => {
  it('carries bytes both ways with the version metadata', async () => {
    expect(await transport.unary('/test.Echo/Unary', Uint8Array.of(5, 6))).toEqual(Uint8Array.of(1, 5, 6))
    expect(seenMetadata?.get('x-app-version')).toEqual(['test/1'])
    expect(seenMetadata?.get('x-xmtp-lite-version')?.[0]).toMatch(/^xmtp-lite\//)
  })

  it('maps statuses to codes and retryability', async () => {
    const rejected = (await transport
      .unary('/test.Echo/Unary', Uint8Array.of(0xee))
      .catch((e) => e)) as ClientError
    expect(rejected.code).toBe('Client::Rejected')
    expect(rejected.status).toBe(GrpcStatus.INVALID_ARGUMENT)
    expect(rejected.retryable).toBe(false)
    const limited = (await transport
      .unary('/test.Echo/Unary', Uint8Array.of(0xe8))
      .catch((e) => e)) as ClientError
    expect(limited.code).toBe('Client::RateLimited')
    expect(limited.retryable).toBe(true)
    const missing = (await transport
      .unary('/test.Echo/Nope', Uint8Array.of(1))
      .catch((e) => e)) as ClientError
    expect(missing.status).toBe(GrpcStatus.UNIMPLEMENTED)
  })

  it('streams items in order and reports a clean end or a typed error', async () => {
    expect(await collect('/test.Echo/Stream', Uint8Array.of(4, 0))).toEqual({
      items: [0, 1, 2, 3],
      opened: true,
    })
    const failed = await collect('/test.Echo/Stream', Uint8Array.of(2, 1))
    expect(failed.error?.code).toBe('Client::Unavailable')
  })

  it('refuses non-http URLs and calls after close', async () => {
    expect(() => createGrpcTransport({ url: 'ws://localhost:1' })).toThrow(
      expect.objectContaining({ code: 'Client::InvalidArgument' }),
    )
    const closed = createGrpcTransport({ url: 'http://127.0.0.1:1' })
    await closed.close()
    expect(((await closed.unary('/x/y', new Uint8Array()).catch((e) => e)) as ClientError).code).toBe(
      'Client::Closed',
    )
  })
})
