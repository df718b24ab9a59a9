/**
 * The bridge between the group layer and the XMTP rules: turns the group layer's staged-commit summary
 * ({@link IncomingCommit}) into {@link validateCommit}'s input, and builds the {@link CommitValidator} that
 * `MlsGroup.processMessage` runs before it merges anything (mls-groups.md §7.3: every staged commit, our own
 * included).
 * @module
 */
import type { CommitValidator, GroupMember, IncomingCommit, IncomingProposal } from '../group.ts'
import {
  type CommitProposal,
  type CommitSender,
  type ValidateCommitParams,
  validateCommit,
} from './commit.ts'
import { ProposalType } from './constants.ts'
import type { IdentityPort } from './identityPort.ts'

/** Options of {@link createXmtpCommitValidator}. */
export interface XmtpCommitValidatorOptions {
  readonly identity: IdentityPort
  /** Our protocol version (semver), for `minimum_supported_protocol_version` (§7.3 step 15). */
  readonly ownProtocolVersion?: string
}

function sender(member: GroupMember | undefined): CommitSender {
  // The group layer leaves the proposer undefined for external and new-member senders.
  if (member === undefined) return { type: 'external' }
  return { type: 'member', inboxId: member.inboxId, installationKey: member.installationKey }
}

function toProposal(proposal: IncomingProposal): CommitProposal {
  switch (proposal.kind) {
    case 'add':
      return {
        type: 'add',
        sender: sender(proposal.proposer),
        leaf: { inboxId: proposal.inboxId, installationKey: proposal.installationKey },
      }
    case 'remove':
      return {
        type: 'remove',
        sender: sender(proposal.proposer),
        leaf: { inboxId: proposal.removed.inboxId, installationKey: proposal.removed.installationKey },
      }
    case 'update':
      return {
        type: 'update',
        sender: sender(proposal.proposer),
        leaf: { inboxId: proposal.inboxId, installationKey: proposal.installationKey },
      }
    case 'groupContextExtensions':
      return {
        type: 'groupContextExtensions',
        sender: sender(proposal.proposer),
        extensions: proposal.extensions,
      }
    case 'other':
      if (proposal.proposalType === ProposalType.PreSharedKey) {
        return { type: 'preSharedKey', sender: sender(proposal.proposer) }
      }
      return { type: 'other', sender: sender(proposal.proposer), proposalType: proposal.proposalType }
  }
}

/** {@link validateCommit}'s input for a commit the group layer staged. */
export function toValidateCommitParams(
  commit: IncomingCommit,
  options: XmtpCommitValidatorOptions,
): ValidateCommitParams {
  return {
    committer: sender(commit.committer),
    proposals: commit.proposals.map(toProposal),
    extensionsBefore: commit.extensionsBefore,
    extensionsAfter: commit.extensionsAfter,
    membersBefore: commit.membersBefore,
    membersAfter: commit.membersAfter,
    identity: options.identity,
    ...(options.ownProtocolVersion === undefined ? {} : { ownProtocolVersion: options.ownProtocolVersion }),
  }
}

/**
 * A {@link CommitValidator} enforcing XMTP's commit rules (§7.3); pass it to `MlsGroup.processMessage`.
 * It rejects with the typed errors of {@link validateCommit}, and the group then stays at its epoch.
 */
export function createXmtpCommitValidator(options: XmtpCommitValidatorOptions): CommitValidator {
  return async (commit) => {
    await validateCommit(toValidateCommitParams(commit, options))
  }
}
