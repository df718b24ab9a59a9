/**
 * The identity port: how the XMTP rules ask the identity ledger whether an installation belonged to an inbox
 * at an identity-update sequence id. `mls` does not import `identity`; the client and node-lite fill this port
 * with their ledger (design.md, "mls does not import identity").
 * @module
 */
import { MlsError } from '../errors.ts'

/**
 * Answers questions about association state (mls-groups.md §2: an installation is in an inbox at sequence id
 * N iff the state computed from the updates with `sequence_id <= N` holds it; N must be the exact sequence id
 * of one of the inbox's updates, otherwise the answer is `false`).
 */
export interface IdentityPort {
  /**
   * Whether `installationKey` (32-byte Ed25519 public key) was an installation of `inboxId` at exactly
   * identity sequence id `sequenceId`, or in its latest state for `'latest'` (used only for the creation
   * placeholder 0, mls-groups.md §7.3 step 13). Throwing means "could not tell" (a retryable failure).
   */
  readonly isInstallationOf: (
    inboxId: string,
    installationKey: Uint8Array,
    sequenceId: bigint | 'latest',
  ) => Promise<boolean>
  /**
   * Optional: every installation key of `inboxId` at `sequenceId`. When given, a joiner also checks that
   * every expected installation is in the tree or listed as failed (mls-groups.md §5.4).
   */
  readonly installationsOf?: (inboxId: string, sequenceId: bigint) => Promise<readonly Uint8Array[]>
}

/** Calls the port, turning its failures into a retryable typed error. */
export async function askIsInstallationOf(
  port: IdentityPort,
  inboxId: string,
  installationKey: Uint8Array,
  sequenceId: bigint | 'latest',
): Promise<boolean> {
  let answer: unknown
  try {
    answer = await port.isInstallationOf(inboxId, installationKey, sequenceId)
  } catch (cause) {
    throw new MlsError('Mls::IdentityLookupFailed', 'the identity port failed', { cause, details: inboxId })
  }
  return answer === true
}

/** Calls `installationsOf`, turning its failures into a retryable typed error. */
export async function askInstallationsOf(
  port: IdentityPort & Required<Pick<IdentityPort, 'installationsOf'>>,
  inboxId: string,
  sequenceId: bigint,
): Promise<readonly Uint8Array[]> {
  try {
    return await port.installationsOf(inboxId, sequenceId)
  } catch (cause) {
    throw new MlsError('Mls::IdentityLookupFailed', 'the identity port failed', { cause, details: inboxId })
  }
}
