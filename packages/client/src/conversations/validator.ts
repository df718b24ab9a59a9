/**
 * Wires the identity ledger into the MLS rules: the identity port the §7.3 and §5.4 validators ask, and
 * the commit validator that maps `@xmtp-lite/mls`'s staged commit onto the rules' neutral input.
 * @module
 */
import { equalBytes } from '@xmtp-lite/common'
import { installationKeys } from '@xmtp-lite/identity'
import {
  type CommitProposal,
  type CommitSender,
  type CommitValidator,
  type GroupMember,
  type IdentityPort,
  ProposalType,
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

function sender(member: GroupMember | undefined): CommitSender {
  return member === undefined
    ? { type: 'external' }
    : { type: 'member', inboxId: member.inboxId, installationKey: member.installationKey }
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
    const proposals: CommitProposal[] = commit.proposals.map((p) => {
      switch (p.kind) {
        case 'add':
          return {
            type: 'add',
            sender: sender(p.proposer),
            leaf: { inboxId: p.inboxId, installationKey: p.installationKey },
          }
        case 'remove':
          return {
            type: 'remove',
            sender: sender(p.proposer),
            leaf: { inboxId: p.removed.inboxId, installationKey: p.removed.installationKey },
          }
        case 'update':
          return {
            type: 'update',
            sender: sender(p.proposer),
            leaf: { inboxId: p.inboxId, installationKey: p.installationKey },
          }
        case 'groupContextExtensions':
          return { type: 'groupContextExtensions', sender: sender(p.proposer), extensions: p.extensions }
        case 'other':
          return p.proposalType === ProposalType.PreSharedKey
            ? { type: 'preSharedKey', sender: sender(p.proposer) }
            : { type: 'other', sender: sender(p.proposer), proposalType: p.proposalType }
      }
    })
    const validated = await validateCommit({
      committer: sender(commit.committer),
      proposals,
      extensionsBefore: commit.extensionsBefore,
      extensionsAfter: commit.extensionsAfter,
      membersBefore: commit.membersBefore,
      membersAfter: commit.membersAfter,
      identity,
    })
    onValidated?.(validated)
  }
}
