import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.ts'
import { audit, converged, Load } from './helpers.ts'

// Fault scenarios as xmtpd tests them (anchors-performance-reliability.md §2.2), each on a 3-node devnet
// under publish load; every node on free ports. Loads are small because this machine is shared: the
// assertions are about what ends where, not about speed.

let devnet: Devnet | undefined
let dir: string | undefined

afterEach(async () => {
  await devnet?.stop()
  devnet = undefined
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

async function onDisk(batchSize?: number): Promise<Devnet> {
  dir = mkdtempSync(join(tmpdir(), 'xmtp-lite-devnet-'))
  devnet = await startDevnet({
    nodes: 3,
    dataDir: dir,
    statusPort: false,
    nodeOptions: { rateLimits: false },
    ...(batchSize === undefined ? {} : { batchSize }),
  })
  return devnet
}

describe('fault scenarios on a 3-node devnet', () => {
  it('a node goes down and comes back: it catches up from its cursors, nothing lost or duplicated', async () => {
    const net = await onDisk()
    const load = new Load(net)
    await load.publish(6)
    await net.stopNode(1)
    await load.publish(6)
    await net.restartNode(1)
    await load.publish(6)
    await converged(net)
    await audit(net, load)
  }, 180_000)

  it('a partitioned node, publishing on both sides, converges once healed', async () => {
    const net = await onDisk()
    const load = new Load(net)
    await load.publish(3)
    net.cutLink(0, 2)
    net.cutLink(1, 2)
    await Promise.all([load.publish(6, 5, [0, 1]), load.publish(6, 5, [2])])
    // While cut, node 300 cannot have what 100 and 200 originated since the cut.
    const cut = net.status().nodes
    expect(cut[2]?.replication?.cursors[100]).toBeLessThan(cut[0]?.replication?.cursors[100] ?? 0)
    net.healLink(0, 2)
    net.healLink(1, 2)
    await converged(net)
    await audit(net, load)
  }, 180_000)

  it('connection resets between nodes under load lose nothing', async () => {
    const net = await onDisk()
    const load = new Load(net)
    const publishing = load.publish(12, 4)
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 30))
      net.resetLinks()
    }
    await publishing
    net.setLatency(0, 1, 20)
    await load.publish(3)
    await converged(net)
    await audit(net, load)
  }, 180_000)

  it('a node restarted from disk mid-replication resumes where its cursors stopped', async () => {
    // Small pulls, so the backlog takes many round trips.
    const net = await onDisk(10)
    const load = new Load(net)
    await net.stopNode(2)
    await load.publish(20, 10, [0, 1])
    // Slow its links so it is stopped part-way through pulling the backlog.
    net.setLatency(2, 0, 15)
    net.setLatency(2, 1, 15)
    await net.restartNode(2)
    const end = Date.now() + 60_000
    while ((net.status().nodes[2]?.replication?.cursors[100] ?? 0) === 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 5))
    }
    // Stopped mid-replication: part of node 100's 100 envelopes are stored, not all.
    const partial = net.nodes[2]?.node?.replicator?.status().cursors[100] ?? 0
    await net.stopNode(2)
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(100)
    net.setLatency(2, 0, 0)
    net.setLatency(2, 1, 0)
    await net.restartNode(2)
    await load.publish(3)
    await converged(net)
    await audit(net, load)
  }, 180_000)
})
