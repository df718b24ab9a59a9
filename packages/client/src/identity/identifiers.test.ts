/**
 * Identifiers of an inbox through the client, on a real node-lite over gRPC: wallets, a smart-contract
 * wallet and passkeys create inboxes, are linked to an inbox (AddAssociation signed by the new identifier
 * and by an existing member) and unlinked (RevokeAssociation signed by the recovery identifier), and an
 * installation learns that it was revoked (v3-node-api-and-identity.md §4.8-§4.9).
 *
 * The smart-contract wallet runs on a REAL EVM (@ethereumjs/evm, node-lite's test chain: an ERC-1271 wallet
 * owned by A from block 1, by B from block 2) served as JSON-RPC on 127.0.0.1. The node verifies wallet
 * signatures on it (`walletVerifierChains`), and so does the client before publishing (`verify`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '@xmtp-lite/common'
import {
  createPasskeySigner,
  createRpcScwVerifier,
  createSmartContractWalletSigner,
  createWalletSigner,
  inboxIdFor,
  type PublicIdentifier,
  type Signer,
  type VerifyOptions,
} from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// node-lite's in-process chain (a test helper it does not export): the same EVM its own wallet tests use.
import { type EvmRpc, startEvmRpc } from '../../../node-lite/src/testing/evmRpc.ts'
import { Client, type InstallationRevokedEvent } from '../client.ts'
import type { LevelDatabase } from '../storage/store.ts'

let node: RunningNode
let chain: EvmRpc
let verify: VerifyOptions
let dir: string
const clients: Client[] = []
const wallet = (n: number) => createWalletSigner(new Uint8Array(32).fill(n))
const ownerA = wallet(0x21)
const ownerB = wallet(0x22)
const key = new Uint8Array(32).fill(9)

async function install(signer: Signer, db: LevelDatabase = new MemoryLevel()): Promise<Client> {
  const client = await Client.create(signer, {
    apiUrl: `http://127.0.0.1:${node.grpcPort}`,
    db,
    encryptionKey: key,
    verify,
  })
  clients.push(client)
  return client
}

/** The smart-contract wallet, signing through `owner` at `block`. */
function smartWallet(owner = ownerA, block = 1n): Signer {
  return createSmartContractWalletSigner({
    chainId: chain.chainId,
    address: chain.wallet,
    blockNumber: block,
    signMessage: async (text) => ((await owner.sign(text)) as { signature: Uint8Array }).signature,
  })
}

async function passkey(): Promise<Signer> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  return createPasskeySigner({
    privateKey: pair.privateKey,
    publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)),
    origin: 'https://app.example',
    rpId: 'app.example',
  })
}

const display = (id: PublicIdentifier) => (id.kind === 'ethereum' ? id.address : toHex(id.key))
const identifiers = async (c: Client) => (await c.inboxState()).identifiers.map(display).sort()
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string }) => e.code ?? String(e),
  )

/** What the node answers for an Ethereum address (GetInboxIds, kind Ethereum). */
async function lookup(client: Client, address: string): Promise<string | undefined> {
  return (await client.api.getInboxIds([{ identifier: address, kind: 1 }])).get(address)
}

beforeAll(async () => {
  chain = await startEvmRpc({ owner: ownerA.identifier.address, next: ownerB.identifier.address })
  verify = { scwVerifier: createRpcScwVerifier({ chains: new Map([[chain.chainId, chain.url]]) }) }
  node = await startNode({
    memory: true,
    grpcPort: 0,
    httpPort: false,
    rateLimits: false,
    walletVerifierChains: { [`eip155:${chain.chainId}`]: chain.url },
  })
  dir = mkdtempSync(join(tmpdir(), 'xmtp-lite-identifiers-'))
}, 120_000)

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined)
  await node?.close()
  await chain?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('linking and unlinking identifiers', () => {
  it('links a second wallet; it registers an installation of the inbox; unlinked, that installation is revoked and knows it', async () => {
    const alice = await install(wallet(0x31))
    const bob = await install(wallet(0x33))
    const second = wallet(0x32).identifier.address
    // Only members (or the recovery identifier) vouch for a new identifier.
    expect(await errorOf(alice.addIdentifier(wallet(0x32), { existingSigner: wallet(0x34) }))).toBe(
      'Client::InvalidArgument',
    )
    // Signed by this installation's key and by the new wallet.
    const linked = await alice.addIdentifier(wallet(0x32))
    expect(linked.identifiers.map(display).sort()).toEqual([wallet(0x31).identifier.address, second].sort())
    expect(await lookup(bob, second)).toBe(alice.inboxId)
    expect(await errorOf(alice.addIdentifier(wallet(0x32)))).toBe('Client::InvalidArgument')
    // Another inbox cannot take it silently.
    expect(await errorOf(bob.addIdentifier(wallet(0x32)))).toBe('Client::IdentifierInUse')

    // The linked wallet now opens installations of Alice's inbox (AddAssociation, not a new inbox).
    const phoneDb = new ClassicLevel<string, Uint8Array>(join(dir, 'phone'))
    const phone = await install(wallet(0x32), phoneDb)
    expect(phone.inboxId).toBe(alice.inboxId)
    const group = await bob.conversations.newGroup([alice.inboxId])
    await phone.conversations.syncWelcomes()
    const onPhone = await phone.conversations.get(group.id)
    expect(onPhone).toBeDefined()

    const events: InstallationRevokedEvent[] = []
    phone.onRevoked((e) => events.push(e))
    // Only the recovery identifier unlinks.
    expect(await errorOf(alice.revokeIdentifier(wallet(0x32), wallet(0x32).identifier))).toBe(
      'Client::InvalidArgument',
    )
    expect(await errorOf(alice.revokeIdentifier(wallet(0x31), wallet(0x35).identifier))).toBe(
      'Client::InvalidArgument',
    )
    const after = await alice.revokeIdentifier(wallet(0x31), wallet(0x32).identifier)
    expect(after.identifiers.map(display)).toEqual([wallet(0x31).identifier.address])
    // The installation the wallet added went with it (§4.8 RevokeAssociation), Alice's own stayed.
    expect(after.installations.map(toHex)).toEqual([alice.installationId])
    expect(await lookup(bob, second)).toBeUndefined()

    // The phone learns it at its next read of its inbox, once, with a typed event.
    expect(phone.isRevoked).toBe(false)
    await phone.conversations.syncAll()
    expect(phone.isRevoked).toBe(true)
    expect(events).toEqual([
      { inboxId: alice.inboxId, installationId: phone.installationId, at: expect.any(Number) },
    ])
    await phone.inboxState()
    expect(events).toHaveLength(1)
    // Every write is refused with a stable code; nothing reaches the group.
    const epoch = group.epoch
    const writes: (() => Promise<unknown> | undefined)[] = [
      () => onPhone?.sendText('from a revoked phone'),
      () => onPhone?.updateName('renamed'),
      () => phone.conversations.newGroup([bob.inboxId]),
      () => phone.conversations.newDm(bob.inboxId),
      () => phone.addIdentifier(wallet(0x36)),
      () => phone.revokeAllOtherInstallations(wallet(0x31)),
      () => phone.rotateKeyPackage(),
    ]
    for (const write of writes) {
      expect(await errorOf((async () => write())())).toBe('Client::InstallationRevoked')
    }
    await group.sendText('still there')
    await group.sync()
    expect(group.epoch).toBeGreaterThanOrEqual(epoch)
    expect((await group.messages()).some((m) => m.content === 'from a revoked phone')).toBe(false)
    // Reading still works.
    await phone.conversations.syncAll()

    // Stored: reopened from its directory, the phone is still revoked and still refuses.
    await phone.close()
    const reopened = await install(wallet(0x32), new ClassicLevel<string, Uint8Array>(join(dir, 'phone')))
    expect(reopened.installationId).toBe(phone.installationId)
    expect(reopened.isRevoked).toBe(true)
    const again = await reopened.conversations.get(group.id)
    expect(await errorOf((async () => again?.sendText('after restart'))())).toBe(
      'Client::InstallationRevoked',
    )
  })

  it('an installation revoked directly learns it at start when it was closed meanwhile', async () => {
    const db = new ClassicLevel<string, Uint8Array>(join(dir, 'laptop'))
    const main = await install(wallet(0x37))
    const laptop = await install(wallet(0x37), db)
    const laptopId = laptop.installationKey
    await laptop.close()
    await main.revokeInstallations(wallet(0x37), [laptopId])
    const reopened = await install(wallet(0x37), new ClassicLevel<string, Uint8Array>(join(dir, 'laptop')))
    expect(reopened.isRevoked).toBe(true)
    expect(await errorOf(reopened.conversations.newGroup([main.inboxId]))).toBe('Client::InstallationRevoked')
    expect(main.isRevoked).toBe(false)
  })
})

describe('a smart-contract wallet (ERC-1271 on a real EVM)', () => {
  it('creates an inbox and a second installation of it; messages flow', async () => {
    const scw = smartWallet()
    const address = chain.wallet.toLowerCase()
    const first = await install(scw)
    expect(first.inboxId).toBe(inboxIdFor({ kind: 'ethereum', address }, 1n))
    const state = await first.inboxState()
    expect(state.recoveryIdentifier).toEqual({ kind: 'ethereum', address })
    const served = chain.served()
    const second = await install(smartWallet())
    // The signature of the second registration was checked on the chain (client and node).
    expect(chain.served()).toBeGreaterThan(served)
    expect(second.inboxId).toBe(first.inboxId)
    expect((await first.inboxState()).installations.map(toHex).sort()).toEqual(
      [first.installationId, second.installationId].sort(),
    )
    const carol = await install(wallet(0x41))
    const dm = await carol.conversations.newDm(first.inboxId)
    await dm.sendText('hello smart wallet')
    for (const c of [first, second]) {
      await c.conversations.syncWelcomes()
      const mine = await c.conversations.get(dm.id)
      await mine?.sync()
      expect((await mine?.messages())?.map((m) => m.content)).toContain('hello smart wallet')
    }
  })

  it('a signature the wallet does not accept is refused by the client before anything is published', async () => {
    // B owns the wallet only from block 2: B's signature at block 1 is not the wallet's.
    const alice = await install(wallet(0x42))
    const refused = await alice
      .addIdentifier(smartWallet(ownerB, 1n), { allowReassign: true })
      .catch((e) => e)
    expect(refused.code).toBe('Identity::SignatureInvalid')
    expect(await identifiers(alice)).toEqual([wallet(0x42).identifier.address])
  })

  it('is linked to another inbox only when reassigning is asked for', async () => {
    const alice = await install(wallet(0x43))
    const address = chain.wallet.toLowerCase()
    const own = inboxIdFor({ kind: 'ethereum', address }, 1n)
    expect(await lookup(alice, address)).toBe(own)
    expect(await errorOf(alice.addIdentifier(smartWallet(ownerB, 2n)))).toBe('Client::IdentifierInUse')
    // At block 2 the wallet is B's: B signs for it.
    const state = await alice.addIdentifier(smartWallet(ownerB, 2n), { allowReassign: true })
    expect(state.identifiers.map(display).sort()).toEqual([wallet(0x43).identifier.address, address].sort())
    expect(await lookup(alice, address)).toBe(alice.inboxId)
    // Unlinked again by Alice's recovery wallet.
    await alice.revokeIdentifier(wallet(0x43), { kind: 'ethereum', address })
    expect(await identifiers(alice)).toEqual([wallet(0x43).identifier.address])
  })
})

describe('passkeys', () => {
  it('a passkey creates an inbox; a second installation of the same passkey joins it', async () => {
    const pk = await passkey()
    const first = await install(pk)
    expect(first.inboxId).toBe(inboxIdFor(pk.identifier as PublicIdentifier, 1n))
    expect((await first.inboxState()).recoveryIdentifier.kind).toBe('passkey')
    // Nodes do not index passkeys; the client finds the inbox at the id the passkey derives.
    const second = await install(pk)
    expect(second.inboxId).toBe(first.inboxId)
    expect((await second.inboxState()).installations).toHaveLength(2)
    const dave = await install(wallet(0x44))
    const group = await dave.conversations.newGroup([first.inboxId])
    await group.sendText('to a passkey inbox')
    await second.conversations.syncWelcomes()
    const mine = await second.conversations.get(group.id)
    await mine?.sync()
    expect((await mine?.messages())?.map((m) => m.content)).toContain('to a passkey inbox')
  })

  it('a wallet inbox links a passkey, which then signs for it; the recovery wallet unlinks it', async () => {
    const alice = await install(wallet(0x45))
    const pk = await passkey()
    const state = await alice.addIdentifier(pk)
    const added = state.identifiers.find((i) => i.kind === 'passkey')
    expect(added).toEqual(pk.identifier)
    // A linked passkey is a member: it vouches for another wallet.
    await alice.addIdentifier(wallet(0x46), { existingSigner: pk })
    expect(await identifiers(alice)).toEqual(
      [
        wallet(0x45).identifier.address,
        wallet(0x46).identifier.address,
        display(pk.identifier as PublicIdentifier),
      ].sort(),
    )
    await alice.revokeIdentifier(wallet(0x45), pk.identifier as PublicIdentifier)
    expect(await identifiers(alice)).toEqual(
      [wallet(0x45).identifier.address, wallet(0x46).identifier.address].sort(),
    )
  })
})

describe('members by identifier', () => {
  it('creates groups and DMs, adds and removes members by wallet or passkey, resolved to their inboxes', async () => {
    const grace = await install(wallet(0x61))
    const heidi = await install(wallet(0x62))
    const pk = await passkey()
    const ivan = await install(pk)
    const group = await grace.conversations.newGroupWithIdentifiers([wallet(0x62).identifier])
    const inboxes = () => group.members().map((m) => m.inboxId)
    expect(inboxes()).toEqual([grace.inboxId, heidi.inboxId].sort())
    // A passkey resolves to the inbox it derives (nodes do not index passkeys).
    await group.addMembersByIdentifiers([pk.identifier as PublicIdentifier])
    expect(inboxes()).toEqual([grace.inboxId, heidi.inboxId, ivan.inboxId].sort())
    // An unregistered wallet: a typed error naming it, and no commit.
    const epoch = group.epoch
    const unknown = await group.addMembersByIdentifiers([wallet(0x64).identifier]).catch((e) => e)
    expect(unknown.code).toBe('Client::MemberUnreachable')
    expect(unknown.details).toContain(wallet(0x64).identifier.address)
    expect(group.epoch).toBe(epoch)
    // A wallet linked to Heidi's inbox later resolves to it.
    await heidi.addIdentifier(wallet(0x63))
    await group.removeMembersByIdentifiers([wallet(0x63).identifier])
    expect(inboxes()).toEqual([grace.inboxId, ivan.inboxId].sort())
    const dm = await grace.conversations.newDmWithIdentifier(wallet(0x62).identifier)
    expect(dm.peerInboxId).toBe(heidi.inboxId)
    await dm.sendText('by address')
    await heidi.conversations.syncWelcomes()
    const onHeidi = await heidi.conversations.get(dm.id)
    await onHeidi?.sync()
    expect((await onHeidi?.messages())?.map((m) => m.content)).toContain('by address')
  })
})
