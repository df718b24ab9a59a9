/**
 * The human-readable text every signer of an identity update signs
 * (protocol/v3-node-api-and-identity.md §4.6; libxmtp `unsigned_actions.rs`).
 *
 * Verifiers rebuild it from the update (inbox id, client timestamp, actions in order), so it must be
 * byte-exact: LF line ends, no trailing newline, identifiers in their display form.
 * @module
 */
import {
  type IdentityAction,
  type IdentityUpdate,
  identifierDisplay,
  type MemberIdentifier,
} from './model.ts'

const header = 'XMTP : Authenticate to inbox'
const footer = 'For more info: https://xmtp.org/signatures'

/** The word before the identifier in an action block (§4.5). */
function idKindWord(id: MemberIdentifier): string {
  switch (id.kind) {
    case 'ethereum':
      return 'Address'
    case 'installation':
      return 'ID'
    case 'passkey':
      return 'Passkey'
  }
}

function addVerb(id: MemberIdentifier): string {
  switch (id.kind) {
    case 'ethereum':
      return 'Link address to inbox'
    case 'installation':
      return 'Grant messaging access to app'
    case 'passkey':
      return 'Link passkey to inbox'
  }
}

function revokeVerb(id: MemberIdentifier): string {
  switch (id.kind) {
    case 'ethereum':
      return 'Unlink address from inbox'
    case 'installation':
      return 'Revoke messaging access from app'
    case 'passkey':
      return 'Unlink passkey from inbox'
  }
}

/** The two-line block of one action. */
export function actionText(action: IdentityAction<unknown>): string {
  switch (action.kind) {
    case 'createInbox':
      return `- Create inbox\n  (Owner: ${identifierDisplay(action.initialIdentifier)})`
    case 'addAssociation': {
      const id = action.newMemberIdentifier
      return `- ${addVerb(id)}\n  (${idKindWord(id)}: ${identifierDisplay(id)})`
    }
    case 'revokeAssociation': {
      const id = action.memberToRevoke
      return `- ${revokeVerb(id)}\n  (${idKindWord(id)}: ${identifierDisplay(id)})`
    }
    case 'changeRecoveryAddress':
      // The word is always "Address", whatever the new identifier's kind (§4.6).
      return `- Change inbox recovery address\n  (Address: ${identifierDisplay(action.newRecoveryIdentifier)})`
  }
}

/**
 * A nanosecond timestamp as RFC 3339 UTC with whole seconds and a `Z` (the fraction is dropped, not
 * rounded), e.g. `2025-03-04T17:02:11Z`.
 */
export function formatTimestampNs(ns: bigint): string {
  // Whole seconds (truncated as the ms division then dropping the ms would), as ms: at most ~1.8e13 for a
  // u64, exact in a double.
  const iso = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString()
  // toISOString gives `YYYY-MM-DDTHH:MM:SS.000Z` for years 0..9999, which every u64 ns value is within.
  return `${iso.slice(0, 19)}Z`
}

/** The text every signer of `update` signs. Signatures play no part in it. */
export function signatureText(
  update: Pick<IdentityUpdate<unknown>, 'inboxId' | 'clientTimestampNs' | 'actions'>,
): string {
  const blocks = update.actions.map(actionText).join('\n')
  return `${header}\n\nInbox ID: ${update.inboxId}\nCurrent time: ${formatTimestampNs(update.clientTimestampNs)}\n\n${blocks}\n\n${footer}`
}
