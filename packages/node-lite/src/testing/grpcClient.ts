/**
 * A real gRPC client (grpc-js over a TCP socket) for the node's tests and benchmarks, speaking raw
 * protobuf bytes on the same service definitions.
 * @module
 */
import {
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js'
import { serviceDefinitions } from '../grpc.ts'

/** Calls by method name. */
export interface TestGrpcClient {
  unary(service: 'mls' | 'identity', method: string, request: Uint8Array): Promise<Uint8Array>
  stream(
    method: string,
    request: Uint8Array,
  ): {
    readonly headers: Promise<Metadata>
    readonly messages: Uint8Array[]
    readonly ended: Promise<ServiceError | undefined>
    next(): Promise<Uint8Array>
    cancel(): void
    pause(): void
  }
  /** Opens a bidi call, writes one message, and resolves with how it ended. */
  bidiStatus(method: string, message: Uint8Array): Promise<ServiceError | undefined>
  close(): void
}

/** Connects to `127.0.0.1:<port>` over h2c. */
export function connectTestClient(
  port: number,
  options: Record<string, number> = {},
  /** Extra request metadata (for example `x-xmtp-lite-flags`). */
  extraMetadata: Readonly<Record<string, string>> = {},
): TestGrpcClient {
  const defs = serviceDefinitions()
  const opts = {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    ...options,
  }
  const Mls = makeGenericClientConstructor(defs.mls, 'MlsApi')
  const Identity = makeGenericClientConstructor(defs.identity, 'IdentityApi')
  const clients: Record<'mls' | 'identity', Client> = {
    mls: new Mls(`127.0.0.1:${port}`, credentials.createInsecure(), opts),
    identity: new Identity(`127.0.0.1:${port}`, credentials.createInsecure(), opts),
  }
  const metadata = () => {
    const m = new Metadata()
    m.set('x-app-version', 'node-lite-test/0.0.0')
    m.set('x-libxmtp-version', '1.9.1')
    for (const [key, value] of Object.entries(extraMetadata)) m.set(key, value)
    return m
  }
  return {
    unary(service, method, request) {
      const client = clients[service] as unknown as Record<
        string,
        (req: Uint8Array, md: Metadata, cb: (e: ServiceError | null, r?: Uint8Array) => void) => void
      >
      const fn = client[method]
      if (fn === undefined) throw new Error(`no method ${method}`)
      return new Promise((resolve, reject) =>
        fn.call(client, request, metadata(), (error, response) =>
          error === null ? resolve(response ?? new Uint8Array(0)) : reject(error),
        ),
      )
    },
    stream(method, request) {
      const client = clients.mls as unknown as Record<
        string,
        (req: Uint8Array, md: Metadata) => import('@grpc/grpc-js').ClientReadableStream<Uint8Array>
      >
      const fn = client[method]
      if (fn === undefined) throw new Error(`no method ${method}`)
      const call = fn.call(client, request, metadata())
      const messages: Uint8Array[] = []
      let waiter: (() => void) | undefined
      call.on('data', (m: Uint8Array) => {
        messages.push(m)
        waiter?.()
      })
      const headers = new Promise<Metadata>((resolve) => call.once('metadata', resolve))
      const ended = new Promise<ServiceError | undefined>((resolve) => {
        call.on('error', (e: ServiceError) => resolve(e))
        call.on('end', () => resolve(undefined))
      })
      let read = 0
      return {
        headers,
        messages,
        ended,
        async next() {
          while (read >= messages.length) await new Promise<void>((r) => (waiter = r))
          return messages[read++] as Uint8Array
        },
        cancel: () => call.cancel(),
        pause: () => call.pause(),
      }
    },
    bidiStatus(method, message) {
      const client = clients.mls as unknown as Record<
        string,
        (md: Metadata) => import('@grpc/grpc-js').ClientDuplexStream<Uint8Array, Uint8Array>
      >
      const fn = client[method]
      if (fn === undefined) throw new Error(`no method ${method}`)
      const call = fn.call(client, metadata())
      call.on('data', () => {})
      const done = new Promise<ServiceError | undefined>((resolve) => {
        call.on('error', (e: ServiceError) => resolve(e))
        call.on('end', () => resolve(undefined))
      })
      call.write(message)
      return done
    },
    close() {
      clients.mls.close()
      clients.identity.close()
    },
  }
}
