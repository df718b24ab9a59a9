/**
 * Conversion between the typed model and the `xmtp.identity.associations` protobuf messages
 * (protocol/v3-node-api-and-identity.md §4.1-4.2).
 *
 * Decoding keeps identifier strings exactly as sent: libxmtp's verifier does not lower-case Ethereum
 * addresses from the proto, so a mixed-case address must fail the signer comparison here too (§4.8).
 * @module
 */
import { fromHex, isHex } from '@xmtp-lite/common'
import { decodeMessage, ProtoError, toBigInt, toLong, xmtp } from '@xmtp-lite/proto'
import { IdentityError } from './errors.ts'
import type {
  IdentityAction,
  IdentityUpdate,
  MemberIdentifier,
  PublicIdentifier,
  UnverifiedSignature,
} from './model.ts'
import { identifierDisplay } from './model.ts'
import type { AssociationState, AssociationStateDiff, Member } from './state.ts'

const pb = xmtp.identity.associations
type PbSignature = xmtp.identity.associations.Signature.$Properties
type PbMemberIdentifier = xmtp.identity.associations.MemberIdentifier.$Properties
type PbAction = xmtp.identity.associations.IdentityAction.$Properties

/** The largest identity update accepted for decoding: the gRPC payload limit is far above any real one. */
export const maxIdentityUpdateBytes = 1 << 20

function malformed(message: string, cause?: unknown): IdentityError {
  return new IdentityError('Identity::MalformedUpdate', message, cause === undefined ? {} : { cause })
}

function bytesOf(value: Uint8Array | null | undefined): Uint8Array {
  return value ?? new Uint8Array(0)
}

function u64(value: unknown): bigint {
  if (value === null || value === undefined) return 0n
  return toBigInt(value as bigint)
}

/** A `MemberIdentifier` message as a model identifier. */
export function memberIdentifierFromProto(id: PbMemberIdentifier | null | undefined): MemberIdentifier {
  if (id === null || id === undefined) throw malformed('a member identifier is missing')
  if (id.ethereumAddress !== null && id.ethereumAddress !== undefined) {
    return { kind: 'ethereum', address: id.ethereumAddress }
  }
  if (id.installationPublicKey !== null && id.installationPublicKey !== undefined) {
    return { kind: 'installation', publicKey: id.installationPublicKey }
  }
  if (id.passkey !== null && id.passkey !== undefined) {
    const rp = id.passkey.relyingParty
    return rp === null || rp === undefined
      ? { kind: 'passkey', key: bytesOf(id.passkey.key) }
      : { kind: 'passkey', key: bytesOf(id.passkey.key), relyingParty: rp }
  }
  throw malformed('a member identifier has no known kind')
}

/** A model identifier as a `MemberIdentifier` message. */
export function memberIdentifierToProto(id: MemberIdentifier): PbMemberIdentifier {
  switch (id.kind) {
    case 'ethereum':
      return { ethereumAddress: id.address }
    case 'installation':
      return { installationPublicKey: id.publicKey }
    case 'passkey':
      return {
        passkey:
          id.relyingParty === undefined ? { key: id.key } : { key: id.key, relyingParty: id.relyingParty },
      }
  }
}

/** A string identifier of a given `IdentifierKind` (UNSPECIFIED reads as Ethereum, §4.1). */
function publicIdentifierFromProto(
  value: string | null | undefined,
  kind: number | null | undefined,
  relyingParty: string | null | undefined,
): PublicIdentifier {
  const text = value ?? ''
  if (kind === pb.IdentifierKind.IDENTIFIER_KIND_PASSKEY) {
    if (text.length === 0 || !isHex(text)) throw malformed('a passkey identifier is not hex')
    const key = fromHex(text)
    return relyingParty === null || relyingParty === undefined
      ? { kind: 'passkey', key }
      : { kind: 'passkey', key, relyingParty }
  }
  if (
    kind !== undefined &&
    kind !== null &&
    kind !== 0 &&
    kind !== pb.IdentifierKind.IDENTIFIER_KIND_ETHEREUM
  ) {
    throw malformed(`unknown identifier kind ${kind}`)
  }
  return { kind: 'ethereum', address: text }
}

function identifierKindOf(id: PublicIdentifier): xmtp.identity.associations.IdentifierKind {
  return id.kind === 'passkey'
    ? pb.IdentifierKind.IDENTIFIER_KIND_PASSKEY
    : pb.IdentifierKind.IDENTIFIER_KIND_ETHEREUM
}

/** A `Signature` message as a model signature. */
export function signatureFromProto(sig: PbSignature | null | undefined): UnverifiedSignature {
  if (sig === null || sig === undefined) throw malformed('a signature is missing')
  if (sig.erc_191 !== null && sig.erc_191 !== undefined) {
    return { kind: 'erc191', signature: bytesOf(sig.erc_191.bytes) }
  }
  if (sig.installationKey !== null && sig.installationKey !== undefined) {
    return {
      kind: 'installationKey',
      signature: bytesOf(sig.installationKey.bytes),
      publicKey: bytesOf(sig.installationKey.publicKey),
    }
  }
  if (sig.erc_6492 !== null && sig.erc_6492 !== undefined) {
    return {
      kind: 'smartContractWallet',
      accountId: sig.erc_6492.accountId ?? '',
      blockNumber: u64(sig.erc_6492.blockNumber),
      signature: bytesOf(sig.erc_6492.signature),
    }
  }
  if (sig.passkey !== null && sig.passkey !== undefined) {
    return {
      kind: 'passkey',
      publicKey: bytesOf(sig.passkey.publicKey),
      signature: bytesOf(sig.passkey.signature),
      authenticatorData: bytesOf(sig.passkey.authenticatorData),
      clientDataJson: bytesOf(sig.passkey.clientDataJson),
    }
  }
  if (sig.delegatedErc_191 !== null && sig.delegatedErc_191 !== undefined) {
    const legacy = sig.delegatedErc_191
    const walletSig = legacy.delegatedKey?.signature
    const compact = walletSig?.walletEcdsaCompact ?? walletSig?.ecdsaCompact
    if (compact === null || compact === undefined)
      throw malformed('a legacy delegated key carries no wallet signature')
    return {
      kind: 'legacyDelegated',
      delegatedKeyBytes: bytesOf(legacy.delegatedKey?.keyBytes),
      walletSignature: { bytes: bytesOf(compact.bytes), recovery: compact.recovery ?? 0 },
      signature: bytesOf(legacy.signature?.bytes),
    }
  }
  throw new IdentityError('Identity::UnknownSignatureKind', 'a signature has no known kind')
}

/** A model signature as a `Signature` message. */
export function signatureToProto(sig: UnverifiedSignature): PbSignature {
  switch (sig.kind) {
    case 'erc191':
      return { erc_191: { bytes: sig.signature } }
    case 'installationKey':
      return { installationKey: { bytes: sig.signature, publicKey: sig.publicKey } }
    case 'smartContractWallet':
      return {
        erc_6492: {
          accountId: sig.accountId,
          blockNumber: toLong(sig.blockNumber),
          signature: sig.signature,
        },
      }
    case 'passkey':
      return {
        passkey: {
          publicKey: sig.publicKey,
          signature: sig.signature,
          authenticatorData: sig.authenticatorData,
          clientDataJson: sig.clientDataJson,
        },
      }
    case 'legacyDelegated':
      return {
        delegatedErc_191: {
          delegatedKey: {
            keyBytes: sig.delegatedKeyBytes,
            signature: {
              walletEcdsaCompact: {
                bytes: sig.walletSignature.bytes,
                recovery: sig.walletSignature.recovery,
              },
            },
          },
          signature: { bytes: sig.signature },
        },
      }
  }
}

function actionFromProto(action: PbAction): IdentityAction {
  if (action.createInbox !== null && action.createInbox !== undefined) {
    const a = action.createInbox
    return {
      kind: 'createInbox',
      initialIdentifier: publicIdentifierFromProto(
        a.initialIdentifier,
        a.initialIdentifierKind,
        a.relyingParty,
      ),
      nonce: u64(a.nonce),
      initialIdentifierSignature: signatureFromProto(a.initialIdentifierSignature),
    }
  }
  if (action.add !== null && action.add !== undefined) {
    const a = action.add
    return {
      kind: 'addAssociation',
      newMemberIdentifier: memberIdentifierFromProto(a.newMemberIdentifier),
      existingMemberSignature: signatureFromProto(a.existingMemberSignature),
      newMemberSignature: signatureFromProto(a.newMemberSignature),
    }
  }
  if (action.revoke !== null && action.revoke !== undefined) {
    const a = action.revoke
    return {
      kind: 'revokeAssociation',
      memberToRevoke: memberIdentifierFromProto(a.memberToRevoke),
      recoveryIdentifierSignature: signatureFromProto(a.recoveryIdentifierSignature),
    }
  }
  if (action.changeRecoveryAddress !== null && action.changeRecoveryAddress !== undefined) {
    const a = action.changeRecoveryAddress
    return {
      kind: 'changeRecoveryAddress',
      newRecoveryIdentifier: publicIdentifierFromProto(
        a.newRecoveryIdentifier,
        a.newRecoveryIdentifierKind,
        a.relyingParty,
      ),
      existingRecoveryIdentifierSignature: signatureFromProto(a.existingRecoveryIdentifierSignature),
    }
  }
  throw new IdentityError('Identity::UnknownAction', 'an identity action has no known kind')
}

function actionToProto(action: IdentityAction): PbAction {
  switch (action.kind) {
    case 'createInbox': {
      const id = action.initialIdentifier
      return {
        createInbox: {
          initialIdentifier: identifierDisplay(id),
          nonce: toLong(action.nonce),
          initialIdentifierSignature: signatureToProto(action.initialIdentifierSignature),
          initialIdentifierKind: identifierKindOf(id),
          ...(id.kind === 'passkey' && id.relyingParty !== undefined
            ? { relyingParty: id.relyingParty }
            : {}),
        },
      }
    }
    case 'addAssociation':
      return {
        add: {
          newMemberIdentifier: memberIdentifierToProto(action.newMemberIdentifier),
          existingMemberSignature: signatureToProto(action.existingMemberSignature),
          newMemberSignature: signatureToProto(action.newMemberSignature),
        },
      }
    case 'revokeAssociation':
      return {
        revoke: {
          memberToRevoke: memberIdentifierToProto(action.memberToRevoke),
          recoveryIdentifierSignature: signatureToProto(action.recoveryIdentifierSignature),
        },
      }
    case 'changeRecoveryAddress': {
      const id = action.newRecoveryIdentifier
      return {
        changeRecoveryAddress: {
          newRecoveryIdentifier: identifierDisplay(id),
          existingRecoveryIdentifierSignature: signatureToProto(action.existingRecoveryIdentifierSignature),
          newRecoveryIdentifierKind: identifierKindOf(id),
          ...(id.kind === 'passkey' && id.relyingParty !== undefined
            ? { relyingParty: id.relyingParty }
            : {}),
        },
      }
    }
  }
}

/** An `IdentityUpdate` message (already decoded) as a model update. */
export function identityUpdateFromProto(
  update: xmtp.identity.associations.IdentityUpdate.$Properties,
): IdentityUpdate {
  return {
    inboxId: update.inboxId ?? '',
    clientTimestampNs: u64(update.clientTimestampNs),
    actions: (update.actions ?? []).map(actionFromProto),
  }
}

/** A model update as an `IdentityUpdate` message (for embedding in requests). */
export function identityUpdateToProto(
  update: IdentityUpdate,
): xmtp.identity.associations.IdentityUpdate.$Properties {
  return {
    inboxId: update.inboxId,
    clientTimestampNs: toLong(update.clientTimestampNs),
    actions: update.actions.map(actionToProto),
  }
}

/**
 * Decodes the protobuf bytes of an `IdentityUpdate`.
 * @throws {IdentityError} `Identity::MalformedUpdate`, `Identity::UnknownAction`, `Identity::UnknownSignatureKind`
 */
export function decodeIdentityUpdate(bytes: Uint8Array): IdentityUpdate {
  let message: xmtp.identity.associations.IdentityUpdate
  try {
    message = decodeMessage(pb.IdentityUpdate, bytes, { maxBytes: maxIdentityUpdateBytes })
  } catch (cause) {
    if (cause instanceof ProtoError) throw malformed('the bytes are not an IdentityUpdate', cause)
    throw cause
  }
  return identityUpdateFromProto(message)
}

/** Encodes a model update as `IdentityUpdate` protobuf bytes. */
export function encodeIdentityUpdate(update: IdentityUpdate): Uint8Array {
  return pb.IdentityUpdate.encode(identityUpdateToProto(update)).finish()
}

function memberToProto(m: Member): xmtp.identity.associations.Member.$Properties {
  return {
    identifier: memberIdentifierToProto(m.identifier),
    ...(m.addedByEntity === undefined ? {} : { addedByEntity: memberIdentifierToProto(m.addedByEntity) }),
    ...(m.clientTimestampNs === undefined ? {} : { clientTimestampNs: toLong(m.clientTimestampNs) }),
    ...(m.addedOnChainId === undefined ? {} : { addedOnChainId: toLong(m.addedOnChainId) }),
  }
}

/** A state as an `AssociationState` message (what the validation service returns, §1.4). */
export function associationStateToProto(
  state: AssociationState,
): xmtp.identity.associations.AssociationState.$Properties {
  const recovery = state.recoveryIdentifier
  return {
    inboxId: state.inboxId,
    members: [...state.members.values()].map((m) => ({
      key: memberIdentifierToProto(m.identifier),
      value: memberToProto(m),
    })),
    recoveryIdentifier: identifierDisplay(recovery),
    seenSignatures: [...state.seenSignatures].map((hex) => fromHex(hex)),
    recoveryIdentifierKind: identifierKindOf(recovery),
    ...(recovery.kind === 'passkey' && recovery.relyingParty !== undefined
      ? { relyingParty: recovery.relyingParty }
      : {}),
  }
}

/** A diff as an `AssociationStateDiff` message. */
export function associationStateDiffToProto(
  diff: AssociationStateDiff,
): xmtp.identity.associations.AssociationStateDiff.$Properties {
  return {
    newMembers: diff.newMembers.map(memberIdentifierToProto),
    removedMembers: diff.removedMembers.map(memberIdentifierToProto),
  }
}
