/**
 * A whole node: storage, the service core, the gRPC server, the WebSocket + health HTTP server, and the
 * retention pruner, started and stopped together.
 * @module
 */
import { createServer, type Server as HttpServer } from 'node:http'
import type { ServerCredentials } from '@grpc/grpc-js'
import { NodeFlags } from './flags.ts'
import { type GrpcServer, startGrpcServer } from './grpc.ts'
import type { IdentityValidator, KeyPackageValidator, ScwVerifier } from './ports.ts'
import type { RateLimits } from './rateLimit.ts'
import { type ReplicationOptions, Replicator } from './replication/replicator.ts'
import { type NodeLimits, NodeService } from './service.ts'
import { type NodeStore, openStore } from './store/store.ts'
import {
  ledgerIdentityValidator,
  mlsKeyPackageValidator,
  parseChainRpcUrls,
  rpcScwVerifiers,
} from './validators.ts'
import { attachWebSocketServer, type WebSocketApi } from './ws.ts'

/** Application messages expire after 60 days by default (xmtpd `DefaultStorageDurationDays`, XIP-69). */
export const defaultRetentionDays = 60

/** How to start a node. */
export interface StartNodeParams {
  /** LevelDB directory; required unless `memory`. */
  readonly dataDir?: string
  readonly memory?: boolean
  /** fsync every batch (default true on disk). */
  readonly sync?: boolean
  /** LevelDB table files kept open (default 64, see `defaultMaxOpenFiles`: it bounds mapped memory). */
  readonly maxOpenFiles?: number
  readonly host?: string
  /** gRPC port (XMTP local default 5556; 0 = any free port). */
  readonly grpcPort?: number
  /** WebSocket + health port (0 = any free port; `false` = none). */
  readonly httpPort?: number | false
  readonly grpcCredentials?: ServerCredentials
  /** Token buckets per client (default node-go's), or `false`. */
  readonly rateLimits?: RateLimits | false
  readonly limits?: Partial<NodeLimits>
  /** Days an application message is kept (default 60; 0 = forever). */
  readonly retentionDays?: number
  /** WebSocket frames a stream may have unsent before it waits (default 64). */
  readonly wsMaxInFlightFrames?: number
  /** How often the pruner runs, ms (default 60 s). */
  readonly pruneIntervalMs?: number
  readonly identityValidator?: IdentityValidator
  readonly keyPackageValidator?: KeyPackageValidator
  readonly scwVerifier?: ScwVerifier
  /**
   * Smart-contract-wallet verification: chain id (`8453` or `eip155:8453`) → JSON-RPC URL, as libxmtp's
   * verifier and node-go's validation service are configured. ERC-1271 / ERC-6492 signatures in identity
   * updates and `VerifySmartContractWalletSignatures` go to the chain's RPC; without an entry for its
   * chain an update is refused with `Node::ScwChainNotConfigured`. (`identityValidator` / `scwVerifier`,
   * when given, take precedence.)
   */
  readonly walletVerifierChains?: Readonly<Record<string, string>>
  /** Node-to-node replication (src/replication): this node's id and key, and the node registry. */
  readonly replication?: ReplicationOptions
  /**
   * Feature flags this node runs (src/flags.ts): protocol changes behind a name, so one devnet can mix
   * versions. Writes from clients declaring a flag not in this list are refused (`Node::FlagNotEnabled`).
   */
  readonly flags?: readonly string[]
  /** Log lines (default: none). */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void
}

/** A running node. */
export interface RunningNode {
  readonly store: NodeStore
  readonly service: NodeService
  readonly grpcPort: number
  readonly httpPort: number | undefined
  /** Replication, when `replication` was given. */
  readonly replicator: Replicator | undefined
  /** The feature flags the node runs, sorted. */
  readonly flags: readonly string[]
  /** Deletes expired application messages now; returns how many. */
  prune(): Promise<number>
  /**
   * Graceful stop: refuse new calls, end streams, wait for in-flight writes (every acknowledged publish is
   * on disk before this resolves), close the database.
   */
  close(): Promise<void>
}

/** Starts a node. */
export async function startNode(params: StartNodeParams): Promise<RunningNode> {
  const log = params.log ?? (() => {})
  // Checked before anything opens: a malformed flag name fails the start with Node::InvalidFlag.
  const flags = new NodeFlags(params.flags ?? [])
  const chains =
    params.walletVerifierChains === undefined ? undefined : parseChainRpcUrls(params.walletVerifierChains)
  const scw = chains === undefined || chains.size === 0 ? undefined : rpcScwVerifiers(chains)
  const store = await openStore({
    ...(params.memory === true ? { memory: true } : {}),
    ...(params.dataDir === undefined ? {} : { path: params.dataDir }),
    ...(params.sync === undefined ? {} : { sync: params.sync }),
    ...(params.maxOpenFiles === undefined ? {} : { maxOpenFiles: params.maxOpenFiles }),
  })
  const identityValidator =
    params.identityValidator ?? ledgerIdentityValidator(scw === undefined ? {} : { scwVerifier: scw.ledger })
  const scwVerifier = params.scwVerifier ?? scw?.rpc
  let replicator: Replicator | undefined
  try {
    replicator =
      params.replication === undefined
        ? undefined
        : new Replicator({ store, options: params.replication, identityValidator, log })
  } catch (error) {
    await store.close()
    throw error
  }
  const service = new NodeService({
    store,
    identityValidator,
    ...(replicator === undefined
      ? {}
      : { originate: (event) => (replicator as Replicator).originate(event) }),
    keyPackageValidator: params.keyPackageValidator ?? mlsKeyPackageValidator(),
    flags,
    ...(scwVerifier === undefined ? {} : { scwVerifier }),
    ...(params.rateLimits === undefined ? {} : { rateLimits: params.rateLimits }),
    ...(params.limits === undefined ? {} : { limits: params.limits }),
  })
  let grpc: GrpcServer
  try {
    grpc = await startGrpcServer({
      service,
      port: params.grpcPort ?? 5556,
      ...(params.host === undefined ? {} : { host: params.host }),
      ...(params.grpcCredentials === undefined ? {} : { credentials: params.grpcCredentials }),
    })
  } catch (error) {
    await store.close()
    throw error
  }
  let http: HttpServer | undefined
  let ws: WebSocketApi | undefined
  let httpPort: number | undefined
  if (params.httpPort !== false) {
    http = createServer((req, res) => {
      if (replicator?.handleHttp(req, res) === true) return
      if (req.method === 'GET' && (req.url === '/health' || req.url === '/healthz')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            status: 'ok',
            lastIds: store.lastIds(),
            streams: service.openStreams,
            flags: flags.list(),
          }),
        )
        return
      }
      res.writeHead(404).end()
    })
    ws = attachWebSocketServer({
      server: http,
      service,
      ...(params.wsMaxInFlightFrames === undefined ? {} : { maxInFlightFrames: params.wsMaxInFlightFrames }),
    })
    const server = http
    const listenPort = params.httpPort ?? 0
    httpPort = await new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(listenPort, params.host ?? '127.0.0.1', () => {
        const address = server.address()
        resolve(typeof address === 'object' && address !== null ? address.port : 0)
      })
    })
  }
  await replicator?.start()
  const retentionNs =
    params.retentionDays === 0
      ? undefined
      : BigInt(params.retentionDays ?? defaultRetentionDays) * 86_400n * 10n ** 9n
  const prune = async () => {
    if (retentionNs === undefined) return 0
    const before = BigInt(Date.now()) * 1_000_000n - retentionNs
    let total = 0
    for (;;) {
      const n = await store.pruneExpired(before, 1000)
      total += n
      if (n < 1000) return total
    }
  }
  let pruning: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    pruning = prune().then(
      (n) => n > 0 && log('info', `pruned ${n} expired application messages`),
      (e: unknown) => log('error', `pruner failed: ${String(e)}`),
    )
  }, params.pruneIntervalMs ?? 60_000)
  timer.unref()
  let closing: Promise<void> | undefined
  return {
    store,
    service,
    grpcPort: grpc.port,
    httpPort,
    replicator,
    flags: flags.list(),
    prune,
    close() {
      closing ??= (async () => {
        clearInterval(timer)
        await replicator?.stop()
        service.stop()
        ws?.close()
        await Promise.all([
          grpc.close(),
          http === undefined
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
                http.close(() => resolve())
                http.closeAllConnections()
              }),
        ])
        await pruning
        await store.close()
      })()
      return closing
    },
  }
}
