/**
 * The real validators behind the node's ports (ports.ts): identity updates through the identity ledger's
 * verifier and association-state rules (`@xmtp-lite/identity`, §3.10/§4.8), key packages through
 * `@xmtp-lite/mls/validation` (libxmtp's `VerifiedKeyPackageV2` rules, §3.5).
 * @module
 */
import {
  type AssociationState,
  applyUpdate,
  createSignatureCache,
  decodeIdentityUpdate,
  diffStates,
  type SignatureCache,
  type SmartContractWalletVerifier,
  verifyIdentityUpdate,
} from '@xmtp-lite/identity'
import { validateKeyPackage } from '@xmtp-lite/mls/validation'
import type { IdentityValidator, KeyPackageValidator } from './ports.ts'

/** Options of {@link mlsKeyPackageValidator}. */
export interface MlsKeyPackageValidatorOptions {
  /** The clock for lifetime checks, in Unix seconds (tests pin it inside a captured package's lifetime). */
  readonly nowSeconds?: () => bigint
}

/** Key-package validation by `@xmtp-lite/mls/validation`. */
export function mlsKeyPackageValidator(options: MlsKeyPackageValidatorOptions = {}): KeyPackageValidator {
  return {
    async validateKeyPackage(keyPackage) {
      const now = options.nowSeconds?.()
      const v = await validateKeyPackage(keyPackage, now === undefined ? {} : { now })
      return { installationKey: v.installationKey, inboxId: v.inboxId }
    },
  }
}

/** Options of {@link ledgerIdentityValidator}. */
export interface LedgerIdentityValidatorOptions {
  /** Checks ERC-1271/6492 signatures; without it updates carrying one are refused. */
  readonly scwVerifier?: SmartContractWalletVerifier
  /**
   * Successful signature verifications to reuse (default: a bounded cache of 10,000). Re-validating a
   * log then re-applies every rule but verifies only the new signatures.
   */
  readonly cache?: SignatureCache
}

/**
 * Identity-update validation as node-go's `GetAssociationState(old, [new])`: every stored update of the
 * inbox is verified and replayed from the start, then the new one; the result's diff gives the Ethereum
 * addresses to index (§3.10 steps 4-6).
 */
export function ledgerIdentityValidator(options: LedgerIdentityValidatorOptions = {}): IdentityValidator {
  const verify = {
    cache: options.cache ?? createSignatureCache(),
    ...(options.scwVerifier === undefined ? {} : { scwVerifier: options.scwVerifier }),
  }
  return {
    async validateIdentityUpdate({ inboxId, log, update }) {
      let state: AssociationState | undefined
      for (const bytes of log)
        state = applyUpdate(state, await verifyIdentityUpdate(decodeIdentityUpdate(bytes), verify))
      const parsed = decodeIdentityUpdate(update)
      if (parsed.inboxId !== inboxId) throw new Error('the update names another inbox')
      const next = applyUpdate(state, await verifyIdentityUpdate(parsed, verify))
      const diff = diffStates(state, next)
      const addresses = (members: typeof diff.newMembers) =>
        members.flatMap((m) => (m.kind === 'ethereum' ? [m.address] : []))
      return { addedAddresses: addresses(diff.newMembers), removedAddresses: addresses(diff.removedMembers) }
    },
  }
}
