/**
 * Test support (not exported from the package): an in-memory identity ledger that fills the
 * {@link IdentityPort} with exact-sequence-id semantics (mls-groups.md §2), and deterministic keys and ids.
 * @module
 */
import { fromHex, toHex } from '@xmtp-lite/common'
import type { IdentityPort } from './identityPort.ts'

/** An inbox's association history: each identity update's sequence id and the installations after it. */
export class TestLedger implements IdentityPort {
  readonly calls: [string, string, bigint | 'latest'][] = []
  private readonly history = new Map<string, Array<{ sequenceId: bigint; installations: Set<string> }>>()
  failWith: Error | undefined

  /** Records an identity update of `inboxId` at `sequenceId` leaving exactly `installations`. */
  update(inboxId: string, sequenceId: bigint, installations: readonly Uint8Array[]): this {
    const log = this.history.get(inboxId) ?? []
    log.push({ sequenceId, installations: new Set(installations.map(toHex)) })
    log.sort((a, b) => (a.sequenceId < b.sequenceId ? -1 : 1))
    this.history.set(inboxId, log)
    return this
  }

  /** The latest sequence id of `inboxId`. */
  latest(inboxId: string): bigint {
    const log = this.history.get(inboxId)
    const last = log?.[log.length - 1]
    if (last === undefined) throw new Error(`no identity updates for ${inboxId}`)
    return last.sequenceId
  }

  readonly isInstallationOf = async (
    inboxId: string,
    installationKey: Uint8Array,
    sequenceId: bigint | 'latest',
  ): Promise<boolean> => {
    this.calls.push([inboxId, toHex(installationKey), sequenceId])
    if (this.failWith !== undefined) throw this.failWith
    const log = this.history.get(inboxId) ?? []
    const entry = sequenceId === 'latest' ? log[log.length - 1] : log.find((e) => e.sequenceId === sequenceId)
    return entry?.installations.has(toHex(installationKey)) ?? false
  }

  readonly installationsOf = async (inboxId: string, sequenceId: bigint): Promise<readonly Uint8Array[]> => {
    if (this.failWith !== undefined) throw this.failWith
    const entry = (this.history.get(inboxId) ?? []).find((e) => e.sequenceId === sequenceId)
    return [...(entry?.installations ?? [])].map(fromHex)
  }
}

/** A deterministic 64-char inbox id. */
export function inbox(name: string): string {
  return name.repeat(64).slice(0, 64)
}

/** A deterministic 32-byte installation key. */
export function installation(n: number): Uint8Array {
  return new Uint8Array(32).fill(n)
}
