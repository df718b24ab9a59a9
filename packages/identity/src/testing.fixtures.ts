/**
 * Deterministic keys and helpers for this package's tests and benchmarks (never shipped).
 * @module
 */
import { defaultCrypto } from '@xmtp-lite/common'
import type { IdentityUpdate, PublicIdentifier } from './model.ts'
import {
  addAssociationRequest,
  changeRecoveryAddressRequest,
  createInboxRequest,
  revokeAssociationRequest,
} from './request.ts'
import {
  createInstallationKeySigner,
  createWalletSigner,
  type InstallationKeySigner,
  type Signer,
} from './signers.ts'

/** A fixed clock: 2026-01-01T00:00:00Z plus `step` seconds. */
export const baseTimestampNs = 1_767_225_600_000_000_000n
export const at = (step: number): bigint => baseTimestampNs + BigInt(step) * 1_000_000_000n

/** Wallet number `n` (secp256k1 key of 32 bytes `n`). */
export function wallet(n: number): Signer & { identifier: PublicIdentifier } {
  return createWalletSigner(new Uint8Array(32).fill(n), defaultCrypto) as Signer & {
    identifier: PublicIdentifier
  }
}

/** Installation number `n` (Ed25519 seed of 32 bytes `n + 100`). */
export function installation(n: number): InstallationKeySigner {
  return createInstallationKeySigner(new Uint8Array(32).fill((n + 100) % 256), defaultCrypto)
}

/** A registration: CreateInbox(owner, nonce) + AddAssociation(installation), both signed. */
export async function registration(
  owner: Signer & { identifier: PublicIdentifier },
  inst: InstallationKeySigner,
  nonce = 1n,
  step = 0,
): Promise<IdentityUpdate> {
  const request = createInboxRequest({
    identifier: owner.identifier,
    nonce,
    installationPublicKey: inst.publicKey,
    clientTimestampNs: at(step),
  })
  await request.sign(inst)
  await request.sign(owner)
  return request.build()
}

/** `existing` adds `newMember` to `inboxId`. */
export async function addMember(
  inboxId: string,
  existing: Signer,
  newMember: Signer,
  step: number,
): Promise<IdentityUpdate> {
  const request = addAssociationRequest({
    inboxId,
    newMember: newMember.identifier,
    existingMember: existing.identifier,
    clientTimestampNs: at(step),
  })
  await request.sign(newMember)
  await request.sign(existing)
  return request.build()
}

/** `recovery` revokes `member` from `inboxId`. */
export async function revokeMember(
  inboxId: string,
  recovery: Signer & { identifier: PublicIdentifier },
  member: Signer,
  step: number,
): Promise<IdentityUpdate> {
  const request = revokeAssociationRequest({
    inboxId,
    members: [member.identifier],
    recoveryIdentifier: recovery.identifier,
    clientTimestampNs: at(step),
  })
  await request.sign(recovery)
  return request.build()
}

/** `recovery` hands recovery to `next`. */
export async function changeRecovery(
  inboxId: string,
  recovery: Signer & { identifier: PublicIdentifier },
  next: PublicIdentifier,
  step: number,
): Promise<IdentityUpdate> {
  const request = changeRecoveryAddressRequest({
    inboxId,
    newRecoveryIdentifier: next,
    recoveryIdentifier: recovery.identifier,
    clientTimestampNs: at(step),
  })
  await request.sign(recovery)
  return request.build()
}
