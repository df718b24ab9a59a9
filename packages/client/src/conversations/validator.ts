/**
 * Wires the identity ledger into the MLS rules: the identity port the §7.3 and §5.4 validators ask, and a
 * commit validator that also hands the rules' verdict to the transcript.
 * @module
 */
import { equalBytes } from '@xmtp-lite/common'
import { installationKeys } from '@xmtp-lite/identity'
import {
  type CommitValidator,
  type IdentityPort,
  toValidateCommitParams,
  type ValidatedCommit,
  validateCommit,
} from '@xmtp-lite/mls'
import type { InboxDirectory } from '../identity/inboxes.ts'

/** The identity port on the client's verified inbox directory; fetches what it does not know yet. */
export function directoryIdentityPort(inboxes: InboxDirectory): IdentityPort {
  const stateAt = async (inboxId: string, sequenceId: bigint) => {
    const latest = await inboxes.latestSequenceId(inboxId)
    if (latest === undefined || latest < sequenceId) await inboxes.refresh([inboxId])
    const entries = await inboxes.ledger.getUpdates(inboxId)
    // The membership extension names exact identity-update sequence ids (mls-groups.md §2).
    if (!entries.some((e) => e.sequenceId === sequenceId)) return undefined
    return inboxes.ledger.getState(inboxId, sequenceId)
  }
  return {
    async isInstallationOf(inboxId, installationKey, sequenceId) {
      if (sequenceId === 'latest') {
        await inboxes.refresh([inboxId])
        const keys = await inboxes.installations(inboxId)
        return keys.some((k) => equalBytes(k, installationKey))
      }
      const state = await stateAt(inboxId, sequenceId)
      return state !== undefined && installationKeys(state).some((k) => equalBytes(k, installationKey))
    },
    async installationsOf(inboxId, sequenceId) {
      const state = await stateAt(inboxId, sequenceId)
      return state === undefined ? [] : installationKeys(state)
    },
  }
}

/**
 * A commit validator running every §7.3 rule of `@xmtp-lite/mls`; `onValidated` receives what the rules
 * decoded (added and removed inboxes, metadata diff) for the transcript message.
 */
export function xmtpCommitValidator(
  identity: IdentityPort,
  onValidated?: (validated: ValidatedCommit) => void,
): CommitValidator {
  return async (commit) => {
    const validated = await validateCommit(toValidateCommitParams(commit, { identity }))
    onValidated?.(validated)
  }
}
