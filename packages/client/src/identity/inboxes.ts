/**
 * The client's view of other inboxes: their identity logs fetched from the node, every update re-verified
 * and reduced locally by `@xmtp-lite/identity` (the client does not trust the node's word on who belongs to
 * an inbox), kept in the encrypted store.
 * @module
 */
import { fromHex, toHex } from '@xmtp-lite/common'
import {
  type AddressAssociation,
  type AssociationState,
  type BatchVerifyOptions,
  IdentityLedger,
  installationKeys,
  type LedgerAppend,
  type LedgerEntry,
  type LedgerStorage,
} from '@xmtp-lite/identity'
import { xmtp } from '@xmtp-lite/proto'
import type { XmtpApi } from '../api/api.ts'
import { type EncryptedStore, getJson, jsonBytes } from '../storage/store.ts'

const entryPrefix = (inboxId: string) => `id!${inboxId}!`
const addressKey = (address: string) => `addr!${address}`

/** Inboxes per GetIdentityUpdates request (libxmtp chunks by 50, v3-node-api-and-identity.md §4.3). */
const identityBatchSize = 50

/** Inboxes {@link InboxDirectory.refresh} verifies and appends at once. */
const refreshConcurrency = 16

function seqKey(sequenceId: bigint): string {
  return sequenceId.toString().padStart(20, '0')
}

/** The identity ledger's storage port on the client's encrypted store. */
export function storeLedgerStorage(store: EncryptedStore): LedgerStorage {
  return {
    async getEntries(inboxId: string): Promise<readonly LedgerEntry[]> {
      const out: LedgerEntry[] = []
      for await (const [, value] of store.entriesWithPrefix(entryPrefix(inboxId))) {
        const row = JSON.parse(new TextDecoder().decode(value)) as { s: string; t: string; u: string }
        out.push({ sequenceId: BigInt(row.s), serverTimestampNs: BigInt(row.t), update: fromHex(row.u) })
      }
      return out
    },
    async getAddressLog(address: string): Promise<readonly AddressAssociation[]> {
      const rows = await getJson<{ inboxId: string; a: string; r: string | null }[]>(
        store,
        addressKey(address),
      )
      return (rows ?? []).map((r) => ({
        inboxId: r.inboxId,
        associationSequenceId: BigInt(r.a),
        ...(r.r === null ? {} : { revocationSequenceId: BigInt(r.r) }),
      }))
    },
    async append(batch: LedgerAppend): Promise<void> {
      const e = batch.entry
      await store.batch([
        {
          type: 'put',
          key: `${entryPrefix(batch.inboxId)}${seqKey(e.sequenceId)}`,
          value: jsonBytes({ s: e.sequenceId, t: e.serverTimestampNs, u: toHex(e.update) }),
        },
        ...batch.addressLogs.map((log) => ({
          type: 'put' as const,
          key: addressKey(log.address),
          value: jsonBytes(
            log.associations.map((a) => ({
              inboxId: a.inboxId,
              a: a.associationSequenceId,
              r: a.revocationSequenceId ?? null,
            })),
          ),
        })),
      ])
    },
  }
}

/** Inbox states as this client has verified them. */
export class InboxDirectory {
  readonly ledger: IdentityLedger
  readonly #api: XmtpApi
  /**
   * Called after {@link refresh} appended new updates, with the inboxes that changed (the client watches
   * its own inbox here to learn that its installation was revoked).
   */
  onUpdated: ((inboxIds: readonly string[]) => Promise<void>) | undefined

  constructor(api: XmtpApi, store: EncryptedStore, verify: BatchVerifyOptions = {}) {
    this.#api = api
    this.ledger = new IdentityLedger({ storage: storeLedgerStorage(store), verify })
  }

  /**
   * Fetches what the node has after our last known sequence id for each inbox, verifies and appends it.
   * One round trip for all inboxes (requests of 50 inboxes sent together).
   */
  async refresh(inboxIds: readonly string[]): Promise<void> {
    const unique = [...new Set(inboxIds)]
    // Inboxes not loaded yet (a client that just started) are re-verified from the store as one batch.
    await this.ledger.preload(unique)
    const requests = await Promise.all(
      unique.map(async (inboxId) => ({
        inboxId,
        afterSequenceId: (await this.ledger.latestSequenceId(inboxId)) ?? 0n,
      })),
    )
    // §4.3: libxmtp asks for 50 inboxes per call; the chunks go out together.
    const chunks: (typeof requests)[] = []
    for (let i = 0; i < requests.length; i += identityBatchSize) {
      chunks.push(requests.slice(i, i + identityBatchSize))
    }
    const fetched = (await Promise.all(chunks.map((c) => this.#api.getIdentityUpdates(c)))).flatMap((m) => [
      ...m,
    ])
    // The signatures of every new update of every inbox are verified first, as one batch (the identity
    // package spreads them over this thread and its verification workers when there are enough: a cold
    // creator of a 250-member group verifies 249 logs); updates the ledger already has are not sent.
    const work = [...fetched]
    const pending = await Promise.all(
      work.map(async ([inboxId, entries]) => {
        const last = await this.ledger.latestSequenceId(inboxId)
        return entries.filter((e) => last === undefined || e.sequenceId > last)
      }),
    )
    const prepared = await this.ledger.prepare(
      pending.flat().map((e) => xmtp.identity.associations.IdentityUpdate.encode(e.update).finish()),
    )
    const firstOf: number[] = []
    pending.reduce((n, entries) => {
      firstOf.push(n)
      return n + entries.length
    }, 0)
    // Inboxes are then appended concurrently, the updates of one inbox in order; the ledger serialises
    // appends per inbox and per address, and applies every rule to each update as it appends it.
    const updated = new Array<boolean>(work.length).fill(false)
    let next = 0
    let failure: { readonly error: unknown } | undefined
    const worker = async () => {
      while (failure === undefined && next < work.length) {
        const index = next++
        const [inboxId] = work[index] as (typeof work)[number]
        const entries = pending[index] as (typeof pending)[number]
        try {
          for (const [k, entry] of entries.entries()) {
            const last = await this.ledger.latestSequenceId(inboxId)
            if (last !== undefined && entry.sequenceId <= last) continue
            await this.ledger.append(prepared.at((firstOf[index] as number) + k), {
              sequenceId: entry.sequenceId,
              serverTimestampNs: entry.serverTimestampNs,
            })
            updated[index] = true
          }
        } catch (error) {
          failure ??= { error }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(refreshConcurrency, work.length) }, worker))
    if (failure !== undefined) throw failure.error
    const changed = work.flatMap(([inboxId], i) => (updated[i] ? [inboxId] : []))
    if (changed.length > 0) await this.onUpdated?.(changed)
  }

  /** The latest verified state of an inbox (after {@link refresh}). */
  state(inboxId: string): Promise<AssociationState | undefined> {
    return this.ledger.getState(inboxId)
  }

  /** The latest sequence id of an inbox, or undefined when unknown. */
  latestSequenceId(inboxId: string): Promise<bigint | undefined> {
    return this.ledger.latestSequenceId(inboxId)
  }

  /** The installation keys of an inbox at its latest verified state. */
  async installations(inboxId: string): Promise<Uint8Array[]> {
    const state = await this.ledger.getState(inboxId)
    return state === undefined ? [] : installationKeys(state)
  }
}
