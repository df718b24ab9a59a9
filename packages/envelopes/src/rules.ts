/**
 * xmtpd's publish-time rules that depend only on envelope data: message retention and `depends_on`
 * (protocol/xmtpd-network.md §1.5, §3.4, §5.1), and the reserved originator id space.
 * @module
 */
import type { VectorClock } from './cursor.ts'
import { EnvelopeError } from './errors.ts'

/** The shortest retention xmtpd accepts on publish, in days. */
export const MIN_RETENTION_DAYS = 2
/** The longest finite retention xmtpd accepts on publish, in days. */
export const MAX_RETENTION_DAYS = 365
/** The one value above {@link MAX_RETENTION_DAYS} xmtpd accepts: keep forever. */
export const RETENTION_FOREVER = 0xffffffff
/** The gateway's default retention (xmtpd `DefaultStorageDurationDays`). */
export const DEFAULT_RETENTION_DAYS = 60

/** True when xmtpd would accept `days` as `message_retention_days` (2..365, or 0xFFFFFFFF). */
export function isValidRetentionDays(days: number): boolean {
  return (
    Number.isInteger(days) &&
    ((days >= MIN_RETENTION_DAYS && days <= MAX_RETENTION_DAYS) || days === RETENTION_FOREVER)
  )
}

/**
 * Originator ids below 100 are not nodes (protocol §1.5): 0 and 1 are the chain (commits and proposals,
 * identity updates), 10-14 the V3 migration. Real nodes are 100, 200, 300, ... (NodeRegistry
 * `NODE_INCREMENT`).
 */
export const ChainOriginator = { GroupMessages: 0, IdentityUpdates: 1 } as const

/** The first node id and the step between node ids. */
export const NODE_ID_INCREMENT = 100

/** True for the id of a real node (not the chain, not a migration originator). */
export function isNodeOriginator(originatorNodeId: number): boolean {
  return Number.isInteger(originatorNodeId) && originatorNodeId >= NODE_ID_INCREMENT
}

/**
 * Checks a client envelope's `depends_on` as xmtpd's `validateClientInfo` does (protocol §3.4): every entry
 * must name an originator below 100 (only chain and migration streams can be depended on), that the node
 * has seen (present in `latest`), at a sequence id no greater than the node's latest for it.
 * @param latest the node's own vector clock.
 * @throws {EnvelopeError} `Envelope::DependsOnInvalid` naming the first failing entry.
 */
export function checkDependsOn(dependsOn: VectorClock | undefined, latest: VectorClock): void {
  if (dependsOn === undefined) return
  for (const [nodeId, seq] of dependsOn) {
    if (isNodeOriginator(nodeId)) {
      throw new EnvelopeError('Envelope::DependsOnInvalid', 'a message can not depend on a non-commit', {
        details: `originator ${nodeId}`,
      })
    }
    const known = latest.get(nodeId)
    if (known === undefined) {
      throw new EnvelopeError('Envelope::DependsOnInvalid', `depends on originator ${nodeId}, never seen`)
    }
    if (seq > known) {
      throw new EnvelopeError(
        'Envelope::DependsOnInvalid',
        `depends on ${nodeId}:${seq}, latest seen ${known}`,
      )
    }
  }
}
