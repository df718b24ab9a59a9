/**
 * The association state of an inbox and the pure reducer that applies a verified identity update to it
 * (protocol/v3-node-api-and-identity.md §4.8; libxmtp `association_log.rs`, `state.rs`).
 *
 * States are immutable: applying an update returns a new state and never touches the old one, so a
 * ledger can keep the state at every sequence id.
 * @module
 */
import { toHex } from '@xmtp-lite/common'
import { IdentityError } from './errors.ts'
import { inboxIdFor } from './inboxId.ts'
import {
  type AddAssociationAction,
  actionSignatures,
  type ChangeRecoveryAddressAction,
  type CreateInboxAction,
  type IdentityAction,
  type MemberIdentifier,
  type MemberKindValue,
  memberKey,
  type PublicIdentifier,
  type RevokeAssociationAction,
  type SignatureKindValue,
  sameMember,
  type VerifiedIdentityUpdate,
  type VerifiedSignature,
} from './model.ts'

/**
 * The seen-signature set of a state: a persistent set. States along one log share a single map (entry →
 * position) and each sees the prefix it had, so applying an update costs only its own signatures instead
 * of a copy of the whole set (a 256-update log would otherwise copy it 256 times). Extending a state that
 * is not the newest of its line copies its prefix first.
 */
class SeenSignatures implements ReadonlySet<string> {
  readonly #shared: Map<string, number>
  readonly #count: number

  constructor(shared: Map<string, number> = new Map(), count = 0) {
    this.#shared = shared
    this.#count = count
  }

  get size(): number {
    return this.#count
  }

  has(value: string): boolean {
    const index = this.#shared.get(value)
    return index !== undefined && index < this.#count
  }

  /** This set plus `values`; this set itself is unchanged. */
  with(values: Iterable<string>): SeenSignatures {
    let shared = this.#shared
    if (shared.size !== this.#count) {
      shared = new Map()
      for (const value of this) shared.set(value, shared.size)
    }
    let count = this.#count
    for (const value of values) {
      if (!shared.has(value)) shared.set(value, count++)
    }
    return new SeenSignatures(shared, count)
  }

  *values(): SetIterator<string> {
    if (this.#count === 0) return
    for (const [value, index] of this.#shared) {
      if (index >= this.#count) return
      yield value
    }
  }

  keys(): SetIterator<string> {
    return this.values()
  }

  *entries(): SetIterator<[string, string]> {
    for (const value of this.values()) yield [value, value]
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.values()
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const value of this.values()) callback.call(thisArg, value, value, this)
  }
}

/** A member of an inbox (`Member`, association.proto). */
export interface Member {
  readonly identifier: MemberIdentifier
  /** Who added it: an existing member or the recovery identifier; absent for the inbox creator. */
  readonly addedByEntity?: MemberIdentifier
  /** The `client_timestamp_ns` of the update that added it; absent for the inbox creator. */
  readonly clientTimestampNs?: bigint
  /** The chain of the smart-contract-wallet signature that added it, if it was one. */
  readonly addedOnChainId?: bigint
}

/** The state of an inbox after a prefix of its log. */
export interface AssociationState {
  readonly inboxId: string
  /** Members keyed by {@link memberKey}, in insertion order. */
  readonly members: ReadonlyMap<string, Member>
  readonly recoveryIdentifier: PublicIdentifier
  /** Hex of every signature's replay bytes seen so far. */
  readonly seenSignatures: ReadonlySet<string>
}

/** What changed between two states (`AssociationStateDiff`). */
export interface AssociationStateDiff {
  readonly newMembers: readonly MemberIdentifier[]
  readonly removedMembers: readonly MemberIdentifier[]
}

/** The state and the diff an update produced. */
export interface ApplyResult {
  readonly state: AssociationState
  readonly diff: AssociationStateDiff
}

/** The member `id` of `state`, if it is one. */
export function getMember(state: AssociationState, id: MemberIdentifier): Member | undefined {
  return state.members.get(memberKey(id))
}

/** Every member of `state`, in the order they were added. */
export function listMembers(state: AssociationState): Member[] {
  return [...state.members.values()]
}

/** The installation public keys of `state`. */
export function installationKeys(state: AssociationState): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const m of state.members.values())
    if (m.identifier.kind === 'installation') out.push(m.identifier.publicKey)
  return out
}

/** True when `installationKey` is an installation member of `state`. */
export function hasInstallation(state: AssociationState, installationKey: Uint8Array): boolean {
  return state.members.has(memberKey({ kind: 'installation', publicKey: installationKey }))
}

/** Members of `next` not in `prev`, and members of `prev` not in `next` (§4.8 "Diff"). */
export function diffStates(prev: AssociationState | undefined, next: AssociationState): AssociationStateDiff {
  const newMembers: MemberIdentifier[] = []
  const removedMembers: MemberIdentifier[] = []
  for (const [key, m] of next.members) if (prev?.members.has(key) !== true) newMembers.push(m.identifier)
  if (prev !== undefined) {
    for (const [key, m] of prev.members) if (!next.members.has(key)) removedMembers.push(m.identifier)
  }
  return { newMembers, removedMembers }
}

/** Signature kinds each member kind may sign with (libxmtp `allowed_signature_for_kind`). */
function checkSignatureKind(memberKind: MemberKindValue, signatureKind: SignatureKindValue): void {
  const ok =
    memberKind === 'ethereum'
      ? signatureKind === 'erc191' || signatureKind === 'erc1271' || signatureKind === 'legacyDelegated'
      : memberKind === 'installation'
        ? signatureKind === 'installationKey'
        : signatureKind === 'p256'
  if (!ok) {
    throw new IdentityError(
      'Identity::SignatureKindNotAllowed',
      `a ${signatureKind} signature cannot sign for a ${memberKind} member`,
    )
  }
}

function checkChainId(member: Member, signature: VerifiedSignature): void {
  if (member.addedOnChainId !== signature.chainId) {
    throw new IdentityError(
      'Identity::ChainIdMismatch',
      'the member signed from another chain than it was added on',
      {
        details: `added on ${member.addedOnChainId ?? 'none'}, signed on ${signature.chainId ?? 'none'}`,
      },
    )
  }
}

function replayCheck(state: AssociationState, action: IdentityAction<VerifiedSignature>): void {
  for (const sig of actionSignatures(action)) {
    if (state.seenSignatures.has(toHex(sig.rawBytes))) {
      throw new IdentityError(
        'Identity::SignatureReplayed',
        'a signature of this action was used by an earlier update',
      )
    }
  }
}

function requireState(state: AssociationState | undefined): AssociationState {
  if (state === undefined)
    throw new IdentityError('Identity::NotCreated', 'the inbox has not been created yet')
  return state
}

function withMembers(state: AssociationState, members: Map<string, Member>): AssociationState {
  return { ...state, members }
}

function createInbox(
  state: AssociationState | undefined,
  action: CreateInboxAction<VerifiedSignature>,
): AssociationState {
  if (state !== undefined) throw new IdentityError('Identity::AlreadyCreated', 'the inbox already exists')
  const sig = action.initialIdentifierSignature
  if (!sameMember(sig.signer, action.initialIdentifier)) {
    throw new IdentityError(
      'Identity::SignerMismatch',
      'the inbox was not signed for by its initial identifier',
    )
  }
  checkSignatureKind(action.initialIdentifier.kind, sig.kind)
  if (sig.kind === 'legacyDelegated' && action.nonce !== 0n) {
    throw new IdentityError(
      'Identity::LegacySignatureReuse',
      'a legacy key may only create the nonce-0 inbox',
    )
  }
  const member: Member =
    sig.chainId === undefined
      ? { identifier: action.initialIdentifier }
      : { identifier: action.initialIdentifier, addedOnChainId: sig.chainId }
  return {
    inboxId: inboxIdFor(action.initialIdentifier, action.nonce),
    members: new Map([[memberKey(action.initialIdentifier), member]]),
    recoveryIdentifier: action.initialIdentifier,
    seenSignatures: new SeenSignatures(),
  }
}

function addAssociation(
  prior: AssociationState | undefined,
  action: AddAssociationAction<VerifiedSignature>,
  timestampNs: bigint,
): AssociationState {
  const state = requireState(prior)
  replayCheck(state, action)
  const newSig = action.newMemberSignature
  const existingSig = action.existingMemberSignature
  if (!sameMember(newSig.signer, action.newMemberIdentifier)) {
    throw new IdentityError('Identity::NewMemberSignatureMismatch', 'the new member did not sign for itself')
  }
  if (sameMember(newSig.signer, existingSig.signer)) {
    throw new IdentityError('Identity::AddSelf', 'a member cannot add itself')
  }
  // Legacy (V2) keys may only be associated to the nonce-0 inbox of the existing signer's identifier.
  const existingSigner = existingSig.signer
  if (
    existingSigner.kind !== 'installation' &&
    (newSig.kind === 'legacyDelegated' || existingSig.kind === 'legacyDelegated') &&
    state.inboxId !== inboxIdFor(existingSigner, 0n)
  ) {
    throw new IdentityError(
      'Identity::LegacySignatureReuse',
      'a legacy key may only be used on the nonce-0 inbox',
    )
  }
  checkSignatureKind(action.newMemberIdentifier.kind, newSig.kind)
  const existingMember = getMember(state, existingSigner)
  let addedBy: MemberIdentifier
  if (existingMember !== undefined) {
    checkChainId(existingMember, existingSig)
    addedBy = existingMember.identifier
  } else {
    // The recovery identifier may add members without being one (§4.8), but not with a legacy key.
    if (!sameMember(existingSigner, state.recoveryIdentifier)) {
      throw new IdentityError(
        'Identity::SignerMismatch',
        'the existing signer is neither a member nor the recovery identifier',
      )
    }
    if (existingSig.kind === 'legacyDelegated') {
      throw new IdentityError(
        'Identity::LegacySignatureReuse',
        'the recovery identifier cannot sign with a legacy key',
      )
    }
    addedBy = state.recoveryIdentifier
  }
  checkSignatureKind(addedBy.kind, existingSig.kind)
  if (existingSigner.kind === 'installation' && action.newMemberIdentifier.kind === 'installation') {
    throw new IdentityError('Identity::MemberNotAllowed', 'an installation cannot add an installation')
  }
  const member: Member = {
    identifier: newSig.signer,
    addedByEntity: addedBy,
    clientTimestampNs: timestampNs,
    ...(newSig.chainId === undefined ? {} : { addedOnChainId: newSig.chainId }),
  }
  const members = new Map(state.members)
  members.set(memberKey(member.identifier), member)
  return withMembers(state, members)
}

function checkRecoverySigner(state: AssociationState, sig: VerifiedSignature): void {
  const member = getMember(state, sig.signer)
  if (member !== undefined) checkChainId(member, sig)
  if (sig.kind === 'legacyDelegated') {
    throw new IdentityError(
      'Identity::SignatureKindNotAllowed',
      'the recovery identifier cannot sign with a legacy key',
    )
  }
  if (!sameMember(sig.signer, state.recoveryIdentifier)) {
    throw new IdentityError('Identity::SignerMismatch', 'only the recovery identifier may do this')
  }
}

function revokeAssociation(
  prior: AssociationState | undefined,
  action: RevokeAssociationAction<VerifiedSignature>,
): AssociationState {
  const state = requireState(prior)
  replayCheck(state, action)
  checkRecoverySigner(state, action.recoveryIdentifierSignature)
  const revokedKey = memberKey(action.memberToRevoke)
  const members = new Map(state.members)
  members.delete(revokedKey)
  // Installations the revoked member added go with it; one level only, other kinds stay (libxmtp
  // `members_by_parent` filtered to installations).
  for (const [key, m] of state.members) {
    if (
      m.identifier.kind === 'installation' &&
      m.addedByEntity !== undefined &&
      memberKey(m.addedByEntity) === revokedKey
    ) {
      members.delete(key)
    }
  }
  return withMembers(state, members)
}

function changeRecoveryAddress(
  prior: AssociationState | undefined,
  action: ChangeRecoveryAddressAction<VerifiedSignature>,
): AssociationState {
  const state = requireState(prior)
  replayCheck(state, action)
  checkRecoverySigner(state, action.existingRecoveryIdentifierSignature)
  return { ...state, recoveryIdentifier: action.newRecoveryIdentifier }
}

/** Applies one verified action (no inbox-id check, no seen-signature bookkeeping: that is per update). */
export function applyAction(
  state: AssociationState | undefined,
  action: IdentityAction<VerifiedSignature>,
  clientTimestampNs: bigint,
): AssociationState {
  switch (action.kind) {
    case 'createInbox':
      return createInbox(state, action)
    case 'addAssociation':
      return addAssociation(state, action, clientTimestampNs)
    case 'revokeAssociation':
      return revokeAssociation(state, action)
    case 'changeRecoveryAddress':
      return changeRecoveryAddress(state, action)
  }
}

/**
 * Applies a verified update: every action in order with the update's timestamp, then the inbox-id check,
 * then the update's signatures join the seen set. Any failure rejects the whole update (a typed error);
 * `state` itself is never modified.
 * @throws {IdentityError} the code of the first rule broken
 */
export function applyUpdate(
  state: AssociationState | undefined,
  update: VerifiedIdentityUpdate,
): AssociationState {
  let next = state
  for (const action of update.actions) next = applyAction(next, action, update.clientTimestampNs)
  const result = requireState(next)
  if (result.inboxId !== update.inboxId) {
    throw new IdentityError('Identity::WrongInboxId', 'the update names another inbox than the state', {
      details: `update ${update.inboxId}, state ${result.inboxId}`,
    })
  }
  const added: string[] = []
  for (const action of update.actions)
    for (const sig of actionSignatures(action)) added.push(toHex(sig.rawBytes))
  // Extend the persistent set (shared along the log) instead of copying it: a state built elsewhere with a
  // plain set is converted once.
  const prior = result.seenSignatures
  const seen = (prior instanceof SeenSignatures ? prior : new SeenSignatures().with(prior)).with(added)
  return { ...result, seenSignatures: seen }
}

/** {@link applyUpdate} plus the diff from `state` to the result. */
export function applyUpdateWithDiff(
  state: AssociationState | undefined,
  update: VerifiedIdentityUpdate,
): ApplyResult {
  const next = applyUpdate(state, update)
  return { state: next, diff: diffStates(state, next) }
}
