/**
 * Signature requests: an identity update being assembled, which collects the signatures of every signer it
 * needs and then yields the final `IdentityUpdate` (protocol/v3-node-api-and-identity.md §4.9; libxmtp
 * `builder.rs`).
 * @module
 */
import { IdentityError } from './errors.ts'
import { inboxIdFor } from './inboxId.ts'
import {
  type IdentityAction,
  type IdentityUpdate,
  identifierDisplay,
  type MemberIdentifier,
  memberKey,
  type PublicIdentifier,
  type UnverifiedSignature,
} from './model.ts'
import { signatureText } from './signatureText.ts'
import type { Signer } from './signers.ts'
import { type VerifyOptions, verifySignature } from './verify.ts'

/** An action before it is signed: who it concerns and who must sign it. */
export type UnsignedAction =
  | { readonly kind: 'createInbox'; readonly identifier: PublicIdentifier; readonly nonce: bigint }
  | {
      readonly kind: 'addAssociation'
      readonly newMember: MemberIdentifier
      readonly existingMember: MemberIdentifier
    }
  | {
      readonly kind: 'revokeAssociation'
      readonly member: MemberIdentifier
      readonly recoveryIdentifier: PublicIdentifier
    }
  | {
      readonly kind: 'changeRecoveryAddress'
      readonly newRecoveryIdentifier: PublicIdentifier
      readonly recoveryIdentifier: PublicIdentifier
    }

/** Parameters of {@link SignatureRequest}. */
export interface SignatureRequestParams {
  readonly inboxId: string
  /** Fixed when the request is made: it is part of the signed text. */
  readonly clientTimestampNs: bigint
  readonly actions: readonly UnsignedAction[]
}

const placeholder = null

function textAction(action: UnsignedAction): IdentityAction<null> {
  switch (action.kind) {
    case 'createInbox':
      return {
        kind: 'createInbox',
        initialIdentifier: action.identifier,
        nonce: action.nonce,
        initialIdentifierSignature: placeholder,
      }
    case 'addAssociation':
      return {
        kind: 'addAssociation',
        newMemberIdentifier: action.newMember,
        existingMemberSignature: placeholder,
        newMemberSignature: placeholder,
      }
    case 'revokeAssociation':
      return {
        kind: 'revokeAssociation',
        memberToRevoke: action.member,
        recoveryIdentifierSignature: placeholder,
      }
    case 'changeRecoveryAddress':
      return {
        kind: 'changeRecoveryAddress',
        newRecoveryIdentifier: action.newRecoveryIdentifier,
        existingRecoveryIdentifierSignature: placeholder,
      }
  }
}

/** The identifiers whose signatures an action needs, in slot order (§4.9 "required signers"). */
function requiredSigners(action: UnsignedAction): MemberIdentifier[] {
  switch (action.kind) {
    case 'createInbox':
      return [action.identifier]
    case 'addAssociation':
      return [action.existingMember, action.newMember]
    case 'revokeAssociation':
    case 'changeRecoveryAddress':
      return [action.recoveryIdentifier]
  }
}

function signedAction(
  action: UnsignedAction,
  sig: (id: MemberIdentifier) => UnverifiedSignature,
): IdentityAction {
  switch (action.kind) {
    case 'createInbox':
      return {
        kind: 'createInbox',
        initialIdentifier: action.identifier,
        nonce: action.nonce,
        initialIdentifierSignature: sig(action.identifier),
      }
    case 'addAssociation':
      return {
        kind: 'addAssociation',
        newMemberIdentifier: action.newMember,
        existingMemberSignature: sig(action.existingMember),
        newMemberSignature: sig(action.newMember),
      }
    case 'revokeAssociation':
      return {
        kind: 'revokeAssociation',
        memberToRevoke: action.member,
        recoveryIdentifierSignature: sig(action.recoveryIdentifier),
      }
    case 'changeRecoveryAddress':
      return {
        kind: 'changeRecoveryAddress',
        newRecoveryIdentifier: action.newRecoveryIdentifier,
        existingRecoveryIdentifierSignature: sig(action.recoveryIdentifier),
      }
  }
}

/**
 * An identity update waiting for its signatures. The text is fixed at construction; each added signature
 * is verified at once and must come from a signer the request still needs (`Identity::UnknownSigner`
 * otherwise). One signature fills every slot of its signer: the wallet's single signature serves both the
 * CreateInbox and the AddAssociation "existing member" slots of a registration.
 *
 * @example
 * const request = createInboxRequest({ identifier: wallet.identifier, nonce: 1n,
 *   installationPublicKey: installation.publicKey, clientTimestampNs: nowNs })
 * await request.sign(installation)
 * await request.sign(wallet)
 * const update = request.build()
 */
export class SignatureRequest {
  readonly inboxId: string
  readonly clientTimestampNs: bigint
  readonly actions: readonly UnsignedAction[]
  /** The text every signer signs. */
  readonly text: string
  readonly #signatures = new Map<string, UnverifiedSignature>()

  constructor(params: SignatureRequestParams) {
    this.inboxId = params.inboxId
    this.clientTimestampNs = params.clientTimestampNs
    this.actions = [...params.actions]
    this.text = signatureText({
      inboxId: params.inboxId,
      clientTimestampNs: params.clientTimestampNs,
      actions: this.actions.map(textAction),
    })
  }

  /** Every identifier that must sign, once each, in order of first need. */
  get requiredSigners(): MemberIdentifier[] {
    const seen = new Map<string, MemberIdentifier>()
    for (const action of this.actions) for (const id of requiredSigners(action)) seen.set(memberKey(id), id)
    return [...seen.values()]
  }

  /** The required signers that have not signed yet. */
  get missingSigners(): MemberIdentifier[] {
    return this.requiredSigners.filter((id) => !this.#signatures.has(memberKey(id)))
  }

  /** True when every required signer has signed. */
  get isReady(): boolean {
    return this.missingSigners.length === 0
  }

  /**
   * Verifies `signature` over {@link text} and files it under its signer.
   * @throws {IdentityError} `Identity::UnknownSigner` when its signer is not missing; any verification code
   */
  async addSignature(signature: UnverifiedSignature, options: VerifyOptions = {}): Promise<void> {
    const verified = await verifySignature(signature, this.text, options)
    const key = memberKey(verified.signer)
    const needed = this.missingSigners.some((id) => memberKey(id) === key)
    if (!needed) {
      throw new IdentityError(
        'Identity::UnknownSigner',
        'this request does not need a signature from this signer',
        {
          details: identifierDisplay(verified.signer),
        },
      )
    }
    this.#signatures.set(key, signature)
  }

  /** Asks `signer` to sign {@link text} and adds the signature. */
  async sign(signer: Signer, options: VerifyOptions = {}): Promise<void> {
    await this.addSignature(await signer.sign(this.text), options)
  }

  /**
   * The signed update.
   * @throws {IdentityError} `Identity::MissingSignatures` until every required signer has signed
   */
  build(): IdentityUpdate {
    const missing = this.missingSigners
    if (missing.length > 0) {
      throw new IdentityError(
        'Identity::MissingSignatures',
        `${missing.length} signer(s) have not signed yet`,
        {
          details: missing.map(identifierDisplay).join(', '),
        },
      )
    }
    const sig = (id: MemberIdentifier): UnverifiedSignature =>
      this.#signatures.get(memberKey(id)) as UnverifiedSignature
    const actions = this.actions.map((action) => signedAction(action, sig))
    return { inboxId: this.inboxId, clientTimestampNs: this.clientTimestampNs, actions }
  }
}

/** Parameters of {@link createInboxRequest}. */
export interface CreateInboxRequestParams {
  readonly identifier: PublicIdentifier
  readonly nonce: bigint
  /** The first installation, added by the identifier in the same update (what `Client.create` does). */
  readonly installationPublicKey?: Uint8Array
  readonly clientTimestampNs: bigint
}

/** A registration: `CreateInbox` plus, usually, `AddAssociation` of the first installation. */
export function createInboxRequest(params: CreateInboxRequestParams): SignatureRequest {
  const actions: UnsignedAction[] = [
    { kind: 'createInbox', identifier: params.identifier, nonce: params.nonce },
  ]
  if (params.installationPublicKey !== undefined) {
    actions.push({
      kind: 'addAssociation',
      newMember: { kind: 'installation', publicKey: params.installationPublicKey },
      existingMember: params.identifier,
    })
  }
  return new SignatureRequest({
    inboxId: inboxIdFor(params.identifier, params.nonce),
    clientTimestampNs: params.clientTimestampNs,
    actions,
  })
}

/** An existing member (or the recovery identifier) adds `newMember` to `inboxId`. */
export function addAssociationRequest(params: {
  readonly inboxId: string
  readonly newMember: MemberIdentifier
  readonly existingMember: MemberIdentifier
  readonly clientTimestampNs: bigint
}): SignatureRequest {
  return new SignatureRequest({
    inboxId: params.inboxId,
    clientTimestampNs: params.clientTimestampNs,
    actions: [{ kind: 'addAssociation', newMember: params.newMember, existingMember: params.existingMember }],
  })
}

/** The recovery identifier revokes `members` (an installation, a wallet, a passkey) from `inboxId`. */
export function revokeAssociationRequest(params: {
  readonly inboxId: string
  readonly members: readonly MemberIdentifier[]
  readonly recoveryIdentifier: PublicIdentifier
  readonly clientTimestampNs: bigint
}): SignatureRequest {
  return new SignatureRequest({
    inboxId: params.inboxId,
    clientTimestampNs: params.clientTimestampNs,
    actions: params.members.map((member) => ({
      kind: 'revokeAssociation',
      member,
      recoveryIdentifier: params.recoveryIdentifier,
    })),
  })
}

/** The recovery identifier hands recovery to `newRecoveryIdentifier`. */
export function changeRecoveryAddressRequest(params: {
  readonly inboxId: string
  readonly newRecoveryIdentifier: PublicIdentifier
  readonly recoveryIdentifier: PublicIdentifier
  readonly clientTimestampNs: bigint
}): SignatureRequest {
  return new SignatureRequest({
    inboxId: params.inboxId,
    clientTimestampNs: params.clientTimestampNs,
    actions: [
      {
        kind: 'changeRecoveryAddress',
        newRecoveryIdentifier: params.newRecoveryIdentifier,
        recoveryIdentifier: params.recoveryIdentifier,
      },
    ],
  })
}
