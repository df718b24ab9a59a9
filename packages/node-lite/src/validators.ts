/**
 * The real validators behind the node's ports (ports.ts): key packages through `@xmtp-lite/mls/validation`
 * (libxmtp's `VerifiedKeyPackageV2` rules, §3.5).
 * @module
 */
import { validateKeyPackage } from '@xmtp-lite/mls/validation'
import type { KeyPackageValidator } from './ports.ts'

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
