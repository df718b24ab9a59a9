/**
 * Shared by the scenarios: publish load, convergence wait, and the end-of-scenario audit (same envelope
 * set and last sequence id per originator on every node, gap-free, every signature valid, V3 rows neither
 * lost nor duplicated).
 * @module
 */
import { parseOriginatorEnvelope, verifyOriginatorEnvelope } from '@xmtp-lite/envelopes'
import { encodePrivateMessageFrame } from '@xmtp-lite/node-lite'
import { expect } from 'vitest'
import type { Devnet } from '../src/devnet.ts'
import { devnetPublicKey } from '../src/keys.ts'

/** The groups the load writes to. */
export const groups = [1, 2, 3].map((g) => new Uint8Array(16).fill(g))

/** A deterministic load: message `n` goes to group `n % 3` through node `n % nodes` (when it runs). */
export class Load {
  private n = 0
  /** Every message acknowledged, by group (hex of data). */
  readonly sent = groups.map(() => new Set<string>())

  private readonly devnet: Devnet

  constructor(devnet: Devnet) {
    this.devnet = devnet
  }

  /** Publishes `batches` batches of `size` messages on the running nodes, in turn. */
  async publish(batches: number, size = 5, only?: readonly number[]): Promise<void> {
    for (let b = 0; b < batches; b++) {
      const running = this.devnet.nodes.filter(
        (x) => x.node !== undefined && (only?.includes(x.index) ?? true),
      )
      const target = running[b % running.length]
      if (target?.node === undefined) continue
      const perGroup = new Map<number, Uint8Array[]>()
      for (let i = 0; i < size; i++) {
        const n = this.n++
        const g = n % groups.length
        const ciphertext = new Uint8Array(24)
        new DataView(ciphertext.buffer).setUint32(0, n)
        const data = encodePrivateMessageFrame({
          groupId: groups[g] as Uint8Array,
          ciphertext,
          contentType: 1,
        })
        perGroup.set(g, [...(perGroup.get(g) ?? []), data])
      }
      const messages = [...perGroup.values()].flat().map((data) => ({
        data,
        senderHmac: new Uint8Array([1]),
        shouldPush: true,
      }))
      try {
        await target.node.service.sendGroupMessages({ client: 'load' }, messages)
      } catch {
        // The node was stopped under us: those messages were not acknowledged.
        continue
      }
      for (const [g, list] of perGroup)
        for (const d of list) this.sent[g]?.add(Buffer.from(d).toString('hex'))
    }
  }
}

/** Waits until every running node has every originator's last sequence id (generous deadline). */
export async function converged(devnet: Devnet, deadlineMs = 90_000): Promise<number> {
  const start = Date.now()
  for (;;) {
    const status = devnet.status()
    const last = new Map<number, number>()
    for (const n of status.nodes) last.set(n.id, n.replication?.cursors[n.id] ?? 0)
    const ok = status.nodes.every(
      (n) => n.replication !== null && [...last].every(([id, seq]) => n.replication?.cursors[id] === seq),
    )
    if (ok) return Date.now() - start
    if (Date.now() - start > deadlineMs) {
      throw new Error(
        `not converged after ${deadlineMs} ms: ${JSON.stringify(status.nodes.map((n) => n.replication?.cursors))}`,
      )
    }
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** The end-of-scenario audit. */
export async function audit(devnet: Devnet, load: Load): Promise<void> {
  const nodes = devnet.nodes
  const nodeKeys = new Map(nodes.map((n) => [n.id, devnetPublicKey(n.id)]))
  let reference: Map<number, string[]> | undefined
  for (const n of nodes) {
    const replicator = n.node?.replicator
    expect(replicator).toBeDefined()
    if (replicator === undefined) return
    const sets = new Map<number, string[]>()
    for (const origin of nodes) {
      const envelopes = await replicator.envelopes(origin.id)
      envelopes.forEach((bytes, i) => {
        const e = parseOriginatorEnvelope(bytes)
        // Gap-free from 1, and every signature valid under the registry.
        expect(Number(e.unsignedOriginatorEnvelope.originatorSequenceId)).toBe(i + 1)
        verifyOriginatorEnvelope(e, { nodeKeys, expectedNodeId: origin.id })
      })
      expect(replicator.status().cursors[origin.id]).toBe(envelopes.length)
      sets.set(
        origin.id,
        envelopes.map((b) => Buffer.from(b).toString('hex')),
      )
    }
    if (reference === undefined) reference = sets
    else expect(sets).toEqual(reference)
    // The V3 view: each group has exactly the acknowledged messages, none duplicated.
    for (const [g, group] of groups.entries()) {
      const rows = await n.node?.store.queryGroupMessages(group, {
        ascending: true,
        limit: 100_000,
        idCursor: 0,
      })
      const data = (rows ?? []).map((r) => Buffer.from(r.data).toString('hex'))
      expect(new Set(data).size).toBe(data.length)
      expect(new Set(data)).toEqual(load.sent[g])
    }
  }
}
