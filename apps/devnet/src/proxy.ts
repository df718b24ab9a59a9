/**
 * A TCP relay that stands for the network link between two nodes, so faults are real socket faults: cut
 * (every connection destroyed, new ones refused), reset (current connections destroyed, new ones accepted),
 * latency (each chunk held before it is forwarded, both directions, order kept).
 * @module
 */
import { createServer, type Server, Socket } from 'node:net'

/** A fault-injecting relay to `127.0.0.1:<target()>`. */
export class FaultProxy {
  readonly server: Server
  private readonly target: () => number
  private readonly sockets = new Set<Socket>()
  private cut = false
  private latencyMs = 0
  port = 0

  constructor(target: () => number) {
    this.target = target
    this.server = createServer((client) => this.relay(client))
  }

  /** Listens on a free port of 127.0.0.1. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = this.server.address()
    this.port = typeof address === 'object' && address !== null ? address.port : 0
    return this.port
  }

  /** True while the link is cut. */
  get isCut(): boolean {
    return this.cut
  }

  /** Cuts the link: destroys every connection and refuses new ones until {@link heal}. */
  cutLink(): void {
    this.cut = true
    this.reset()
  }

  /** Heals a cut link. */
  heal(): void {
    this.cut = false
  }

  /** Destroys the current connections (a connection reset); new ones are accepted. */
  reset(): void {
    for (const s of this.sockets) s.resetAndDestroy()
    this.sockets.clear()
  }

  /** Holds every chunk `ms` before forwarding it (0 = none). */
  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms)
  }

  async close(): Promise<void> {
    this.reset()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private relay(client: Socket): void {
    if (this.cut) {
      client.resetAndDestroy()
      return
    }
    const upstream = new Socket()
    this.sockets.add(client)
    this.sockets.add(upstream)
    const drop = () => {
      this.sockets.delete(client)
      this.sockets.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    this.pipe(client, upstream)
    this.pipe(upstream, client)
    upstream.connect(this.target(), '127.0.0.1')
  }

  private pipe(from: Socket, to: Socket): void {
    // Chunks are released in order: never before one that arrived earlier (latency may change mid-stream).
    let lastRelease = 0
    from.on('data', (chunk: Buffer) => {
      const now = Date.now()
      const release = Math.max(now + this.latencyMs, lastRelease)
      lastRelease = release
      if (release <= now) {
        to.write(chunk)
        return
      }
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk)
      }, release - now)
    })
  }
}
