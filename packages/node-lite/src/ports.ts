/**
 * The narrow ports through which the node asks the protocol packages to validate what clients publish.
 * node-go delegates the same questions to its validation service (§1.4): "is this identity update valid
 * after that log?" (GetAssociationState) and "is this key package valid, whose installation is it?"
 * (ValidateInboxIdKeyPackages). `validators.ts` implements them on `@xmtp-lite/identity` and
 * `@xmtp-lite/mls/validation`.
 * @module
 */

/** What a valid identity update changes in the address index (§3.10 step 6). */
export interface IdentityUpdateEffect {
  /** Ethereum addresses (lowercase `0x…`) that became members of the inbox. */
  readonly addedAddresses: readonly string[]
  /** Ethereum addresses that stopped being members. */
  readonly removedAddresses: readonly string[]
}

/** Validates identity updates against an inbox's whole log (§3.10 step 4, §4.8). */
export interface IdentityValidator {
  /**
   * Re-validates `log` (the inbox's stored updates, oldest first, as protobuf `IdentityUpdate` bytes) and
   * then `update`; resolves with the membership change, or rejects (any error) when the update is invalid.
   */
  validateIdentityUpdate(params: {
    readonly inboxId: string
    readonly log: readonly Uint8Array[]
    readonly update: Uint8Array
  }): Promise<IdentityUpdateEffect>
}

/** What a valid key package says about itself (§3.5). */
export interface ValidatedKeyPackage {
  /** The leaf node's signature key: the installation key (32-byte Ed25519). */
  readonly installationKey: Uint8Array
  /** The inbox id in its `MlsCredential`. */
  readonly inboxId: string
}

/** Validates key packages (RFC 9420 §10.1 checks plus XMTP's credential rules). */
export interface KeyPackageValidator {
  /** Resolves with the installation key, or rejects (any error) when the key package is invalid. */
  validateKeyPackage(keyPackage: Uint8Array): Promise<ValidatedKeyPackage>
}

/** One smart-contract-wallet signature to check (`VerifySmartContractWalletSignatureRequestSignature`). */
export interface ScwSignatureRequest {
  readonly accountId: string
  readonly blockNumber: bigint | undefined
  readonly signature: Uint8Array
  readonly hash: Uint8Array
}

/** The answer for one signature (`ValidationResponse`). */
export interface ScwSignatureResult {
  readonly isValid: boolean
  readonly blockNumber: bigint | undefined
  readonly error: string | undefined
}

/** Verifies ERC-1271 / ERC-6492 signatures against a chain (IdentityApi/VerifySmartContractWalletSignatures). */
export interface ScwVerifier {
  verify(request: ScwSignatureRequest): Promise<ScwSignatureResult>
}
