/**
 * The node's identity validator (validators.ts) on real signed logs: it re-validates the stored log and
 * the new update with the identity package's batch verification (the signatures on its verification
 * workers when there are enough), and refuses exactly what verifying update by update refuses, with the
 * same error, the first in log order.
 */
import {
  addAssociationRequest,
  applyUpdate,
  createInboxRequest,
  createInstallationKeySigner,
  createWalletSigner,
  encodeIdentityUpdate,
  type IdentityUpdate,
  revokeAssociationRequest,
  type UnverifiedSignature,
  verifyIdentityUpdate,
} from '@xmtp-lite/identity'
import { beforeAll, describe, expect, it } from 'vitest'
import { NodeError } from './errors.ts'
import { ledgerIdentityValidator } from './validators.ts'

const owner = createWalletSigner(new Uint8Array(32).fill(41))
const ownerAddress = (owner.identifier as { address: string }).address
const installation = (n: number) => createInstallationKeySigner(new Uint8Array(32).fill(n))
const at = (step: number) => 1_767_225_600_000_000_000n + BigInt(step) * 1_000_000_000n

/** Register, then add and revoke installations in turn. */
async function buildLog(length: number): Promise<IdentityUpdate[]> {
  const create = createInboxRequest({
    identifier: owner.identifier,
    nonce: 1n,
    installationPublicKey: installation(1).publicKey,
    clientTimestampNs: at(0),
  })
  await create.sign(installation(1))
  await create.sign(owner)
  const log = [create.build()]
  const inboxId = log[0]?.inboxId as string
  for (let n = 2; log.length < length; n++) {
    const add = addAssociationRequest({
      inboxId,
      newMember: installation(n).identifier,
      existingMember: owner.identifier,
      clientTimestampNs: at(log.length),
    })
    await add.sign(installation(n))
    await add.sign(owner)
    log.push(add.build())
    if (log.length === length) break
    const revoke = revokeAssociationRequest({
      inboxId,
      members: [installation(n).identifier],
      recoveryIdentifier: owner.identifier,
      clientTimestampNs: at(log.length),
    })
    await revoke.sign(owner)
    log.push(revoke.build())
  }
  return log
}

/** `update` with its first action's first signature swapped for `sig`. */
function withFirstSignature(update: IdentityUpdate, sig: UnverifiedSignature): IdentityUpdate {
  const [first, ...rest] = update.actions
  if (first?.kind === 'addAssociation')
    return { ...update, actions: [{ ...first, existingMemberSignature: sig }, ...rest] }
  if (first?.kind === 'revokeAssociation')
    return { ...update, actions: [{ ...first, recoveryIdentifierSignature: sig }, ...rest] }
  throw new Error('not an add or a revoke')
}

const describeError = (e: unknown) =>
  e instanceof Error
    ? { name: e.name, message: e.message, code: (e as { code?: unknown }).code }
    : { thrown: e }

async function sequentialError(log: readonly IdentityUpdate[]): Promise<unknown> {
  let state: ReturnType<typeof applyUpdate> | undefined
  try {
    for (const u of log) state = applyUpdate(state, await verifyIdentityUpdate(u))
  } catch (error) {
    return describeError(error)
  }
  return undefined
}

let log: IdentityUpdate[]
beforeAll(async () => {
  log = await buildLog(40)
}, 60_000)

describe('ledgerIdentityValidator', () => {
  it('validates a 40-update log and a new update, cold and again with its cache', async () => {
    const validator = ledgerIdentityValidator()
    const params = {
      inboxId: log[0]?.inboxId as string,
      log: log.slice(0, 39).map(encodeIdentityUpdate),
      update: encodeIdentityUpdate(log[39] as IdentityUpdate),
    }
    const effect = await validator.validateIdentityUpdate(params)
    expect(effect).toEqual({ addedAddresses: [], removedAddresses: [] })
    expect(await validator.validateIdentityUpdate(params)).toEqual(effect)
    // The first update adds the owner's address.
    const first = await validator.validateIdentityUpdate({
      inboxId: params.inboxId,
      log: [],
      update: params.log[0] as Uint8Array,
    })
    expect(first.addedAddresses).toEqual([ownerAddress])
  })

  it('refuses a forged signature in the stored log or in the update with the sequential error, the first in log order', async () => {
    const garbage: UnverifiedSignature = { kind: 'erc191', signature: new Uint8Array(65).fill(7) }
    for (const at of [5, 22, 39]) {
      const tampered = [...log]
      tampered[at] = withFirstSignature(log[at] as IdentityUpdate, garbage)
      if (at + 3 < 40) tampered[at + 3] = log[3] as IdentityUpdate // a replay after it: never reached
      const expected = await sequentialError(tampered)
      expect(expected).toMatchObject({ code: expect.stringMatching(/^Identity::/) })
      let got: unknown
      try {
        await ledgerIdentityValidator().validateIdentityUpdate({
          inboxId: log[0]?.inboxId as string,
          log: tampered.slice(0, 39).map(encodeIdentityUpdate),
          update: encodeIdentityUpdate(tampered[39] as IdentityUpdate),
        })
      } catch (error) {
        got = describeError(error)
      }
      expect(got).toEqual(expected)
    }
  })

  it('still names a smart-contract-wallet signature it cannot check as the node refusal', async () => {
    const scw: UnverifiedSignature = {
      kind: 'smartContractWallet',
      accountId: `eip155:8453:${ownerAddress}`,
      blockNumber: 1n,
      signature: new Uint8Array(65),
    }
    const tampered = [...log.slice(0, 29), withFirstSignature(log[29] as IdentityUpdate, scw)]
    let error: unknown
    try {
      await ledgerIdentityValidator().validateIdentityUpdate({
        inboxId: log[0]?.inboxId as string,
        log: tampered.slice(0, 29).map(encodeIdentityUpdate),
        update: encodeIdentityUpdate(tampered[29] as IdentityUpdate),
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(NodeError)
    expect((error as NodeError).code).toBe('Node::ScwChainNotConfigured')
  })
})
