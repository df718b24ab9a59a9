/**
 * The typed model of XMTP identity updates: member identifiers, signatures, actions and updates.
 *
 * It mirrors `xmtp.identity.associations` (protocol/v3-node-api-and-identity.md §4.1-4.2) without the
 * protobuf noise: a oneof is a `kind` tag, bytes are `Uint8Array`, uint64 are `bigint`. The conversion to
 * and from the wire lives in `proto.ts`.
 * @module
 */
import { toHex } from '@xmtp-lite/common'

/** The kinds of member an inbox can hold (libxmtp `MemberKind`). */
export const MemberKind = {
  Ethereum: 'ethereum',
  Installation: 'installation',
  Passkey: 'passkey',
} as const
/** A member kind. */
export type MemberKindValue = (typeof MemberKind)[keyof typeof MemberKind]

/** An Ethereum account (an EOA or a smart-contract wallet). `address` is `0x` + 40 lowercase hex. */
export interface EthereumIdentifier {
  readonly kind: 'ethereum'
  readonly address: string
}
/** An installation, named by its 32-byte Ed25519 public key. */
export interface InstallationIdentifier {
  readonly kind: 'installation'
  readonly publicKey: Uint8Array
}
/** A passkey, named by its SEC1 P-256 public key. Equality ignores `relyingParty` (as libxmtp's `Passkey`). */
export interface PasskeyIdentifier {
  readonly kind: 'passkey'
  readonly key: Uint8Array
  readonly relyingParty?: string
}
/** Anything that can be a member of an inbox (`MemberIdentifier`, association.proto). */
export type MemberIdentifier = EthereumIdentifier | InstallationIdentifier | PasskeyIdentifier
/** What can own (create, recover) an inbox: not an installation (`Identifier` in libxmtp). */
export type PublicIdentifier = EthereumIdentifier | PasskeyIdentifier

/**
 * The display form of an identifier, as it appears in the signature text and in the proto's string
 * fields: the address for Ethereum, lowercase hex of the key otherwise (§4.5).
 */
export function identifierDisplay(id: MemberIdentifier): string {
  switch (id.kind) {
    case 'ethereum':
      return id.address
    case 'installation':
      return toHex(id.publicKey)
    case 'passkey':
      return toHex(id.key)
  }
}

/** A string that is equal for equal identifiers: the key of a member in a state. */
export function memberKey(id: MemberIdentifier): string {
  return `${id.kind}:${identifierDisplay(id)}`
}

/** True when both name the same member. */
export function sameMember(a: MemberIdentifier, b: MemberIdentifier): boolean {
  return a.kind === b.kind && identifierDisplay(a) === identifierDisplay(b)
}

/** A wallet's EIP-191 `personal_sign` signature, 65 bytes `r‖s‖v` (`RecoverableEcdsaSignature`). */
export interface Erc191Signature {
  readonly kind: 'erc191'
  readonly signature: Uint8Array
}
/** An installation's Ed25519ph signature and its public key (`RecoverableEd25519Signature`). */
export interface InstallationKeySignature {
  readonly kind: 'installationKey'
  readonly signature: Uint8Array
  readonly publicKey: Uint8Array
}
/** A smart-contract wallet's ERC-1271 / ERC-6492 signature at a block (`SmartContractWalletSignature`). */
export interface SmartContractWalletSignature {
  readonly kind: 'smartContractWallet'
  /** CAIP-10: `eip155:<chainId>:<address>`. */
  readonly accountId: string
  readonly blockNumber: bigint
  readonly signature: Uint8Array
}
/** A WebAuthn assertion by a P-256 passkey (`RecoverablePasskeySignature`). */
export interface PasskeySignature {
  readonly kind: 'passkey'
  readonly publicKey: Uint8Array
  /** DER-encoded ECDSA signature. */
  readonly signature: Uint8Array
  readonly authenticatorData: Uint8Array
  readonly clientDataJson: Uint8Array
}
/** A legacy XMTP V2 identity key's signature, with the wallet-signed key that delegates to it. */
export interface LegacyDelegatedSignature {
  readonly kind: 'legacyDelegated'
  /** The V2 `SignedPublicKey.key_bytes`: an encoded `UnsignedPublicKey`. */
  readonly delegatedKeyBytes: Uint8Array
  /** The wallet's EIP-191 signature over the V2 "Create Identity" text: `r‖s` and the recovery id. */
  readonly walletSignature: { readonly bytes: Uint8Array; readonly recovery: number }
  /** The legacy key's recoverable signature over the update text, 65 bytes. */
  readonly signature: Uint8Array
}
/** A signature as it travels, before verification (`Signature` oneof, signature.proto). */
export type UnverifiedSignature =
  | Erc191Signature
  | InstallationKeySignature
  | SmartContractWalletSignature
  | PasskeySignature
  | LegacyDelegatedSignature

/** The kind a verified signature proves (libxmtp `SignatureKind`). */
export const SignatureKind = {
  Erc191: 'erc191',
  Erc1271: 'erc1271',
  InstallationKey: 'installationKey',
  LegacyDelegated: 'legacyDelegated',
  P256: 'p256',
} as const
/** A signature kind. */
export type SignatureKindValue = (typeof SignatureKind)[keyof typeof SignatureKind]

/** What verifying a signature proves: who signed, with what, and the bytes that enter the replay set. */
export interface VerifiedSignature {
  readonly kind: SignatureKindValue
  readonly signer: MemberIdentifier
  /** The bytes recorded in `seen_signatures` (normalised for ERC-191, §4.7). */
  readonly rawBytes: Uint8Array
  /** The chain of a smart-contract-wallet signature; absent for every other kind. */
  readonly chainId?: bigint
}

/** `CreateInbox`: the first action of every inbox. */
export interface CreateInboxAction<S> {
  readonly kind: 'createInbox'
  readonly initialIdentifier: PublicIdentifier
  readonly nonce: bigint
  readonly initialIdentifierSignature: S
}
/** `AddAssociation`: an existing member (or the recovery identifier) adds a new member. */
export interface AddAssociationAction<S> {
  readonly kind: 'addAssociation'
  readonly newMemberIdentifier: MemberIdentifier
  readonly existingMemberSignature: S
  readonly newMemberSignature: S
}
/** `RevokeAssociation`: the recovery identifier removes a member (and the installations it added). */
export interface RevokeAssociationAction<S> {
  readonly kind: 'revokeAssociation'
  readonly memberToRevoke: MemberIdentifier
  readonly recoveryIdentifierSignature: S
}
/** `ChangeRecoveryAddress`: the recovery identifier hands recovery to another identifier. */
export interface ChangeRecoveryAddressAction<S> {
  readonly kind: 'changeRecoveryAddress'
  readonly newRecoveryIdentifier: PublicIdentifier
  readonly existingRecoveryIdentifierSignature: S
}
/** One action of an identity update. `S` is the signature type: unverified on the wire, verified after. */
export type IdentityAction<S = UnverifiedSignature> =
  | CreateInboxAction<S>
  | AddAssociationAction<S>
  | RevokeAssociationAction<S>
  | ChangeRecoveryAddressAction<S>

/** An identity update: the unit that is signed, published and appended to an inbox's log. */
export interface IdentityUpdate<S = UnverifiedSignature> {
  readonly inboxId: string
  readonly clientTimestampNs: bigint
  readonly actions: readonly IdentityAction<S>[]
}

/** An identity update whose every signature has been verified. */
export type VerifiedIdentityUpdate = IdentityUpdate<VerifiedSignature>

/** The signatures of an action, in libxmtp's order (`IdentityAction::signatures`). */
export function actionSignatures<S>(action: IdentityAction<S>): S[] {
  switch (action.kind) {
    case 'createInbox':
      return [action.initialIdentifierSignature]
    case 'addAssociation':
      return [action.existingMemberSignature, action.newMemberSignature]
    case 'revokeAssociation':
      return [action.recoveryIdentifierSignature]
    case 'changeRecoveryAddress':
      return [action.existingRecoveryIdentifierSignature]
  }
}
