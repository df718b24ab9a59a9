/**
 * `startDevnet`: N node-lite nodes in one process, replicating as xmtpd nodes do (each pulls from every
 * peer what that peer originated, from its own per-originator cursor). Every directed peer link goes
 * through a {@link FaultProxy} so tests can cut, reset and slow real connections.
 * @module
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  preloadValidators,
  type RegistryNode,
  type RunningNode,
  type StartNodeParams,
  startNode,
} from '@xmtp-lite/node-lite'
import { DevnetError } from './errors.ts'
import { checkFlags, type DevnetFlags, flagsOfNode } from './flags.ts'
import { whenEventLoopIdle } from './idle.ts'
import { devnetNodeId, devnetPrivateKey, devnetPublicKey } from './keys.ts'
import { FaultProxy } from './proxy.ts'
import { type DevnetStatus, type StatusServer, startStatusServer } from './status.ts'

/** How to start a devnet. */
export interface StartDevnetParams {
  /** How many nodes (default 3; at most 20). */
  readonly nodes?: number
  /** Keep each node's LevelDB in `<dataDir>/node-<id>`; in memory when absent. */
  readonly dataDir?: string
  /** fsync every batch on disk (default false: a devnet favours speed). */
  readonly sync?: boolean
  /** Node 1's V3 gRPC port (the SDKs' `env: "local"` is 5556); default 0 = a free port. */
  readonly firstGrpcPort?: number
  /** The status page's port (default 0 = free; `false` = none). */
  readonly statusPort?: number | false
  /** How long a replication pull waits for new envelopes (default 1000 ms). */
  readonly longPollMs?: number
  /** Pause after a failed pull (default 50 ms). */
  readonly retryMs?: number
  /** Envelopes per replication pull (default 2000, node-lite's). */
  readonly batchSize?: number
  /**
   * Worker threads that verify pulled signatures, one pool shared by the devnet's nodes (default
   * node-lite's: one per core beyond the first, at most 2; 0 = on the nodes' thread).
   */
  readonly verifyWorkers?: number
  /** The nodes' thread checks chunks of the workers' pages too (default true, node-lite's). */
  readonly shareVerification?: boolean
  /** Told as each node starts and is up. */
  readonly onProgress?: (event: {
    readonly index: number
    readonly id: number
    readonly phase: 'starting' | 'up'
  }) => void
  /**
   * Feature flags per node (src/flags.ts): flag name → the ids of the nodes that run it (the others do not),
   * so one devnet mixes versions of a protocol change.
   */
  readonly flags?: DevnetFlags
  /** Extra options for every node (validators, limits, ...). */
  readonly nodeOptions?: Omit<
    StartNodeParams,
    'memory' | 'dataDir' | 'grpcPort' | 'httpPort' | 'replication' | 'flags'
  >
  readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void
}

/** One node of a devnet, as scripts and tests see it. */
export interface DevnetNode {
  readonly index: number
  readonly id: number
  readonly grpcPort: number
  readonly httpPort: number
  /** `http://localhost:<grpcPort>` (the SDKs' `apiUrl`). */
  readonly grpcUrl: string
  /** `ws://127.0.0.1:<httpPort>/ws`. */
  readonly wsUrl: string
  /** The node's replication status (JSON). */
  readonly statusUrl: string
  /** The running node, or undefined while stopped. */
  readonly node: RunningNode | undefined
  /** The feature flags the node runs, sorted. */
  readonly flags: readonly string[]
}

/** A row of the table printed by the CLI and written by `--status-file`. */
export interface DevnetTableRow {
  readonly id: number
  readonly grpcUrl: string
  readonly wsUrl: string
  readonly statusUrl: string
  /** The feature flags the node runs, sorted. */
  readonly flags: readonly string[]
}

/** A running devnet. */
export interface Devnet {
  readonly nodes: readonly DevnetNode[]
  /** The live status page (undefined with `statusPort: false`). */
  readonly statusPageUrl: string | undefined
  /** The table of nodes. */
  table(): DevnetTableRow[]
  /** Every node's cursors, counts and lag. */
  status(): DevnetStatus
  /** Stops node `index` (graceful: every acknowledged write is on disk). */
  stopNode(index: number): Promise<void>
  /** Starts a stopped node again on the same ports and data; it resumes from its cursors. */
  restartNode(index: number): Promise<void>
  /** Cuts both directions of the link between two nodes (connections destroyed, new ones refused). */
  cutLink(a: number, b: number): void
  /** Heals a cut link. */
  healLink(a: number, b: number): void
  /** Resets (destroys) the current connections of a link, or of every link. */
  resetLinks(a?: number, b?: number): void
  /** Adds latency to both directions of a link (0 = none). */
  setLatency(a: number, b: number, ms: number): void
  /** Stops everything. */
  stop(): Promise<void>
}

interface Slot {
  readonly index: number
  readonly id: number
  grpcPort: number
  httpPort: number
  node: RunningNode | undefined
}

/** Starts a devnet. */
export async function startDevnet(params: StartDevnetParams = {}): Promise<Devnet> {
  const count = params.nodes ?? 3
  if (!Number.isInteger(count) || count < 1 || count > 20) {
    throw new DevnetError('Devnet::InvalidArgument', `nodes must be 1..20, got ${count}`)
  }
  const memory = params.dataDir === undefined
  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({
    index,
    id: devnetNodeId(index),
    grpcPort: index === 0 ? (params.firstGrpcPort ?? 0) : 0,
    httpPort: 0,
    node: undefined,
  }))
  const flags = params.flags ?? {}
  checkFlags(
    flags,
    slots.map((s) => s.id),
  )
  const registry: RegistryNode[] = slots.map((s) => ({
    id: s.id,
    url: '',
    publicKey: devnetPublicKey(s.id),
  }))
  // proxies[i][j]: node i's link to node j (node i pulls j's envelopes through it).
  const proxies: (FaultProxy | undefined)[][] = slots.map((from) =>
    slots.map((to) => (from.index === to.index ? undefined : new FaultProxy(() => to.httpPort))),
  )
  const all = proxies.flat().filter((p): p is FaultProxy => p !== undefined)
  await Promise.all(all.map((p) => p.listen()))

  const nodeParams = (slot: Slot): StartNodeParams => {
    const base: StartNodeParams = {
      ...params.nodeOptions,
      grpcPort: slot.grpcPort,
      httpPort: slot.httpPort,
      flags: flagsOfNode(flags, slot.id),
      replication: {
        nodeId: slot.id,
        privateKey: devnetPrivateKey(slot.id),
        registry,
        peerUrl: (peer) => `http://127.0.0.1:${proxies[slot.index]?.[peer / 100 - 1]?.port ?? 0}`,
        longPollMs: params.longPollMs ?? 1000,
        retryMs: params.retryMs ?? 50,
        ...(params.batchSize === undefined ? {} : { batchSize: params.batchSize }),
        ...(params.verifyWorkers === undefined ? {} : { verifyWorkers: params.verifyWorkers }),
        ...(params.shareVerification === undefined ? {} : { shareVerification: params.shareVerification }),
      },
      ...(params.log === undefined ? {} : { log: params.log }),
    }
    if (memory) return { ...base, memory: true }
    const dir = join(params.dataDir as string, `node-${slot.id}`)
    mkdirSync(dir, { recursive: true })
    return { ...base, dataDir: dir, sync: params.sync ?? false }
  }

  const startSlot = async (slot: Slot) => {
    params.onProgress?.({ index: slot.index, id: slot.id, phase: 'starting' })
    const node = await startNode(nodeParams(slot))
    slot.node = node
    slot.grpcPort = node.grpcPort
    slot.httpPort = node.httpPort ?? 0
    params.onProgress?.({ index: slot.index, id: slot.id, phase: 'up' })
  }

  let status: StatusServer | undefined
  try {
    // Started together: each node's peers are reached through proxies whose targets resolve per connection.
    await Promise.all(slots.map((s) => startSlot(s)))
    if (params.statusPort !== false) {
      status = await startStatusServer({ port: params.statusPort ?? 0, status: () => snapshot() })
    }
  } catch (error) {
    await Promise.all(slots.map((s) => s.node?.close()))
    await Promise.all(all.map((p) => p.close()))
    throw error
  }

  // The key-package and identity validators (ts-mls, viem) load once the nodes are up, not before: a devnet
  // is ready without them, and the first upload does not wait for them either. They load when the nodes'
  // thread is quiet (idle.ts): loading takes the thread in slices of up to ~200 ms, which stalled the
  // replication and streams of any traffic that started with the devnet. Under steady traffic they load on
  // first use instead.
  const warmUp = whenEventLoopIdle(() => {
    preloadValidators().catch((e: unknown) => params.log?.('warn', `validators failed to load: ${String(e)}`))
  })

  const view = (s: Slot): DevnetNode => ({
    index: s.index,
    id: s.id,
    grpcPort: s.grpcPort,
    httpPort: s.httpPort,
    grpcUrl: `http://localhost:${s.grpcPort}`,
    wsUrl: `ws://127.0.0.1:${s.httpPort}/ws`,
    statusUrl: `http://127.0.0.1:${s.httpPort}/replication/v1/status`,
    node: s.node,
    flags: flagsOfNode(flags, s.id),
  })

  function snapshot(): DevnetStatus {
    return {
      updatedAt: new Date().toISOString(),
      nodes: slots.map((s) => ({
        ...rowOf(view(s)),
        running: s.node !== undefined,
        replication: s.node?.replicator?.status() ?? null,
      })),
    }
  }

  const slotAt = (index: number): Slot => {
    const slot = slots[index]
    if (slot === undefined) throw new DevnetError('Devnet::InvalidArgument', `no node ${index}`)
    return slot
  }
  const link = (a: number, b: number): FaultProxy[] => {
    slotAt(a)
    slotAt(b)
    if (a === b) throw new DevnetError('Devnet::InvalidArgument', 'a link joins two different nodes')
    return [proxies[a]?.[b], proxies[b]?.[a]].filter((p): p is FaultProxy => p !== undefined)
  }

  return {
    get nodes() {
      return slots.map(view)
    },
    statusPageUrl: status === undefined ? undefined : `http://127.0.0.1:${status.port}/`,
    table: () => slots.map((s) => rowOf(view(s))),
    status: snapshot,
    async stopNode(index) {
      const slot = slotAt(index)
      if (slot.node === undefined)
        throw new DevnetError('Devnet::NodeNotRunning', `node ${slot.id} is stopped`)
      const node = slot.node
      slot.node = undefined
      await node.close()
    },
    async restartNode(index) {
      const slot = slotAt(index)
      if (memory) throw new DevnetError('Devnet::NotRestartable', 'in-memory nodes cannot restart')
      if (slot.node !== undefined)
        throw new DevnetError('Devnet::NodeNotRunning', `node ${slot.id} is running`)
      await startSlot(slot)
    },
    cutLink: (a, b) => {
      for (const p of link(a, b)) p.cutLink()
    },
    healLink: (a, b) => {
      for (const p of link(a, b)) p.heal()
    },
    resetLinks: (a, b) => {
      const targets = a === undefined || b === undefined ? all : link(a, b)
      for (const p of targets) p.reset()
    },
    setLatency: (a, b, ms) => {
      for (const p of link(a, b)) p.setLatency(ms)
    },
    async stop() {
      warmUp.cancel()
      await status?.close()
      for (const p of all) p.cutLink()
      await Promise.all(slots.map((s) => s.node?.close()))
      for (const s of slots) s.node = undefined
      await Promise.all(all.map((p) => p.close()))
    },
  }
}

function rowOf(n: DevnetNode): DevnetTableRow {
  return { id: n.id, grpcUrl: n.grpcUrl, wsUrl: n.wsUrl, statusUrl: n.statusUrl, flags: n.flags }
}
