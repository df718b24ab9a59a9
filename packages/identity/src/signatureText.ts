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

const maxU64 = (1n << 64n) - 1n

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`)

/**
 * A nanosecond timestamp as RFC 3339 UTC with whole seconds and a `Z` (the fraction is dropped, not
 * rounded), e.g. `2025-03-04T17:02:11Z`.
 */
export function formatTimestampNs(ns: bigint): string {
  if (ns < 0n || ns > maxU64) {
    // Not a u64 (never off the wire): as Date formats it. toISOString gives `YYYY-MM-DDTHH:MM:SS.000Z`
    // for years 0..9999.
    const ms = ns / 1_000_000n
    return `${new Date(Number(ms - (ms % 1000n))).toISOString().slice(0, 19)}Z`
  }
  // A u64 is at most ~1.8e10 seconds (year 2554): exact in a double. The date is the proleptic Gregorian
  // one of the day count (H. Hinnant's civil_from_days, days from 1970-01-01), as Date computes it.
  const seconds = Number(ns / 1_000_000_000n)
  const secondOfDay = seconds % 86_400
  const z = (seconds - secondOfDay) / 86_400 + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  const hh = Math.floor(secondOfDay / 3600)
  const mm = Math.floor((secondOfDay % 3600) / 60)
  const ss = secondOfDay % 60
  return `${year}-${two(month)}-${two(day)}T${two(hh)}:${two(mm)}:${two(ss)}Z`
}

/** The text every signer of `update` signs. Signatures play no part in it. */
export function signatureText(
  update: Pick<IdentityUpdate<unknown>, 'inboxId' | 'clientTimestampNs' | 'actions'>,
): string {
  const blocks = update.actions.map(actionText).join('\n')
  return `${header}\n\nInbox ID: ${update.inboxId}\nCurrent time: ${formatTimestampNs(update.clientTimestampNs)}\n\n${blocks}\n\n${footer}`
}
