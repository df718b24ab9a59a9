/**
 * The client: one installation of one inbox, talking to one node.
 *
 * `Client.create` registers the installation the way libxmtp does (v3-node-api-and-identity.md §1.8):
 * look the identifier's inbox up (GetInboxIds), upload a key package, then publish one identity update
 * (CreateInbox + AddAssociation for a new inbox, AddAssociation alone for an existing one) signed by the
 * wallet and by the new installation key, and read it back. Everything secret lives in the encrypted store.
 * @module
 */
import { defaultCrypto, fromHex, toHex } from '@xmtp-lite/common'
import type { ContentCodec } from '@xmtp-lite/content-types'
import {
  type AssociationState,
  addAssociationRequest,
  changeRecoveryAddressRequest,
  createInboxRequest,
  createInstallationKeySigner,
  encodeIdentityUpdate,
  hasInstallation,
  identityUpdateToProto,
  inboxIdFor,
  installationKeys,
  type MemberIdentifier,
  type PublicIdentifier,
  revokeAssociationRequest,
  type SignatureRequest,
  type Signer,
  type VerifyOptions,
} from '@xmtp-lite/identity'
import { createKeyPackage } from '@xmtp-lite/mls'
// Node: the gRPC transport; browsers: a stand-in that asks for the WebSocket one (package.json imports).
import { createGrpcTransport } from '#grpc'
import { XmtpApi } from './api/api.ts'
import type { RetryPolicy } from './api/retry.ts'
import { defaultRegistry } from './codecs.ts'
import type { IntentStep } from './conversations/conversation.ts'
import { Conversations } from './conversations/conversations.ts'
import { Mutex } from './conversations/mutex.ts'
import { ClientError } from './errors.ts'
import { checkClientFlags, codecsOfFlags } from './flags.ts'
import { InboxDirectory } from './identity/inboxes.ts'
import { Preferences } from './preferences/preferences.ts'
import { EncryptedStore, getJson, jsonBytes, type LevelDatabase } from './storage/store.ts'
import type { Transport } from './transport/transport.ts'

/** How to reach a node and where to keep state. */
export interface ClientOptions {
  /** A transport to the node; or give `apiUrl` for gRPC. */
  readonly transport?: Transport
  /** `http://localhost:5556` and the like (gRPC); ignored when `transport` is given. */
  readonly apiUrl?: string
  /** The local database (classic-level, browser-level, memory-level). */
  readonly db: LevelDatabase
  /** 32 bytes from the app's keychain; seals every stored value. */
  readonly encryptionKey: Uint8Array
  /** Nonce of a new inbox (default 1, as the official SDK). */
  readonly nonce?: bigint
  /** How identity signatures are verified (smart-contract-wallet verifier, cache). */
  readonly verify?: VerifyOptions
  readonly retry?: RetryPolicy
  /** Clock in milliseconds, injectable for deterministic tests. */
  readonly now?: () => number
  /** Observation points for tests (fault injection); never needed by an app. */
  readonly hooks?: ClientHooks
  /**
   * Feature flags (src/flags.ts): protocol changes under review this client runs, e.g. `['xip-poll']`. They
   * add codecs and are declared to the node by the gRPC transport made from `apiUrl`; give a `transport`
   * made with the same `flags` otherwise.
   */
  readonly flags?: readonly string[]
  /** Content codecs beyond the standard ones. */
  // biome-ignore lint/suspicious/noExplicitAny: codecs of every content type.
  readonly codecs?: readonly ContentCodec<any>[]
}

/** Test hooks: code that runs at fixed points of the client's work. */
export interface ClientHooks {
  /**
   * Called at each step of a group-changing intent between storing it and finishing it. Throwing here
   * stops the client at that point as a crash would (tests then reopen the same database).
   */
  readonly onIntentStep?: (
    step: IntentStep,
    at: { readonly conversationId: string; readonly intentId: string },
  ) => void | Promise<void>
}

interface SelfRecord {
  inboxId: string
  identifier: { kind: string; value: string }
  installationPrivateKey: string
  installationKey: string
  keyPackages: {
    keyPackage: string
    initPrivateKey: string
    encryptionPrivateKey: string
    createdAt: number
    /** When a newer key package replaced it on the node; its private keys go a day later. */
    replacedAt?: number
  }[]
  /** When the key package is rotated next (client clock, ms); absent: 30 days after the newest. */
  nextRotationAt?: number
  /** When this client found its installation gone from the inbox's identity state (client clock, ms). */
  revokedAt?: number
}

/** What {@link Client.onRevoked} listeners receive. */
export interface InstallationRevokedEvent {
  readonly inboxId: string
  readonly installationId: string
  /** When this client noticed it (client clock, ms). */
  readonly at: number
}

/** Options of {@link Client.addIdentifier}. */
export interface AddIdentifierOptions {
  /**
   * The member that vouches for the new identifier: a wallet or passkey of the inbox, or its recovery
   * identifier. Default: this installation's key (libxmtp `associate_identity`).
   */
  readonly existingSigner?: Signer
  /**
   * Link the identifier even when the node already maps it to another inbox (its lookups then answer with
   * this inbox). Default false: `Client::IdentifierInUse`.
   */
  readonly allowReassign?: boolean
}

const selfKey = 'self'
/** libxmtp MAX_INSTALLATIONS_PER_INBOX, checked when an installation registers (mls-groups.md §2). */
export const maxInstallationsPerInbox = 10

/** An inbox as this client verified it from its identity log. */
export interface InboxState {
  readonly inboxId: string
  readonly recoveryIdentifier: PublicIdentifier
  /** Wallets and passkeys associated with the inbox. */
  readonly identifiers: readonly PublicIdentifier[]
  /** Installation ids (Ed25519 public keys). */
  readonly installations: readonly Uint8Array[]
}

function inboxStateOf(state: AssociationState): InboxState {
  const identifiers: PublicIdentifier[] = []
  for (const m of state.members.values()) {
    if (m.identifier.kind !== 'installation') identifiers.push(m.identifier)
  }
  return {
    inboxId: state.inboxId,
    recoveryIdentifier: state.recoveryIdentifier,
    identifiers,
    installations: installationKeys(state),
  }
}
const day = 24 * 60 * 60 * 1000
/** libxmtp KEY_PACKAGE_ROTATION_INTERVAL_NS (mls-groups.md §3.2). */
export const keyPackageRotationIntervalMs = 30 * day
/** libxmtp KEYS_EXPIRATION_INTERVAL_NS: a replaced key package's private keys are kept this long (§3.2). */
export const keyPackageRetentionMs = day

function identifierValue(identifier: PublicIdentifier): { kind: string; value: string } {
  return identifier.kind === 'ethereum'
    ? { kind: 'ethereum', value: identifier.address }
    : { kind: 'passkey', value: toHex(identifier.key) }
}

/** GetInboxIds request of an identifier (§4.3): Ethereum as kind 0 (read as Ethereum), passkeys kind 2. */
function lookupOf(identifier: PublicIdentifier): { identifier: string; kind: number } {
  return identifier.kind === 'ethereum'
    ? { identifier: identifier.address.toLowerCase(), kind: 0 }
    : { identifier: toHex(identifier.key), kind: 2 }
}

function sameIdentifier(a: { kind: string; value: string }, b: { kind: string; value: string }): boolean {
  return a.kind === b.kind && a.value.toLowerCase() === b.value.toLowerCase()
}

/** A registered installation. */
export class Client {
  readonly api: XmtpApi
  readonly store: EncryptedStore
  readonly inboxes: InboxDirectory
  readonly inboxId: string
  /** The installation's Ed25519 public key (its id). */
  readonly installationKey: Uint8Array
  readonly #installationPrivateKey: Uint8Array
  readonly #self: SelfRecord
  readonly now: () => number
  /** Consent and the preferences synced between the inbox's installations. */
  readonly preferences: Preferences
  readonly hooks: ClientHooks
  /** Groups and DMs. */
  readonly conversations: Conversations
  /** The feature flags this client runs, sorted (src/flags.ts). */
  readonly flags: readonly string[]

  private constructor(
    api: XmtpApi,
    store: EncryptedStore,
    inboxes: InboxDirectory,
    self: SelfRecord,
    options: ClientOptions,
  ) {
    this.api = api
    this.store = store
    this.inboxes = inboxes
    this.inboxId = self.inboxId
    this.installationKey = fromHex(self.installationKey)
    this.#installationPrivateKey = fromHex(self.installationPrivateKey)
    this.#self = self
    this.now = options.now ?? Date.now
    this.preferences = new Preferences(this)
    this.hooks = options.hooks ?? {}
    this.#verify = options.verify ?? {}
    this.flags = checkClientFlags(options.flags ?? [])
    this.conversations = new Conversations(
      this,
      defaultRegistry([...codecsOfFlags(this.flags), ...(options.codecs ?? [])]),
    )
    // Every read of our own identity log (inboxState, a membership check, newGroup, syncAll) also tells
    // whether this installation is still in it.
    inboxes.onUpdated = async (inboxIds) => {
      if (inboxIds.includes(this.inboxId)) await this.#checkInstallation()
    }
  }

  /** The installation id as lowercase hex. */
  get installationId(): string {
    return toHex(this.installationKey)
  }

  /** The installation's private key (for the MLS layer only). */
  get installationPrivateKey(): Uint8Array {
    return this.#installationPrivateKey
  }

  /** The private keys of this installation's key packages, newest first (welcomes are wrapped to them). */
  get keyPackageSecrets(): {
    initPrivateKey: Uint8Array
    encryptionPrivateKey: Uint8Array
    keyPackage: Uint8Array
  }[] {
    return this.#self.keyPackages
      .map((k) => ({
        initPrivateKey: fromHex(k.initPrivateKey),
        encryptionPrivateKey: fromHex(k.encryptionPrivateKey),
        keyPackage: fromHex(k.keyPackage),
      }))
      .reverse()
  }

  /**
   * Registers a new installation for the signer's identifier (creating the inbox if it has none), or loads
   * the installation already in `options.db`.
   * @throws {ClientError} `Client::InvalidArgument` when the stored installation belongs to another identifier.
   */
  static async create(signer: Signer, options: ClientOptions): Promise<Client> {
    const now = options.now ?? Date.now
    const flags = checkClientFlags(options.flags ?? [])
    const transport =
      options.transport ??
      createGrpcTransport({
        url: options.apiUrl ?? 'http://localhost:5556',
        ...(flags.length > 0 ? { flags } : {}),
      })
    const api = new XmtpApi(transport, options.retry === undefined ? {} : { retry: options.retry })
    const store = await EncryptedStore.open({ db: options.db, encryptionKey: options.encryptionKey })
    const inboxes = new InboxDirectory(api, store, options.verify ?? {})
    if (signer.identifier.kind === 'installation') {
      throw new ClientError('Client::InvalidArgument', 'an installation key cannot create a client')
    }
    const identifier = signer.identifier as PublicIdentifier
    const existing = await getJson<SelfRecord>(store, selfKey)
    if (existing !== undefined) {
      if (!sameIdentifier(existing.identifier, identifierValue(identifier))) {
        throw new ClientError(
          'Client::InvalidArgument',
          'this database holds an installation of another identifier',
        )
      }
      await inboxes.refresh([existing.inboxId])
      const client = new Client(api, store, inboxes, existing, options)
      await client.#checkInstallation()
      await client.maintainKeyPackages()
      return client
    }
    const self = await register(
      api,
      store,
      inboxes,
      signer,
      identifier,
      options.nonce ?? 1n,
      now,
      options.verify,
    )
    return new Client(api, store, inboxes, self, options)
  }

  readonly #keyPackageLock = new Mutex()
  readonly #verify: VerifyOptions
  readonly #revokedListeners = new Set<(event: InstallationRevokedEvent) => void>()

  /**
   * True once this installation was found missing from its inbox's identity state (revoked by the
   * recovery identifier, directly or with the wallet that added it). Stored: a client reopened on the same
   * database stays revoked. libxmtp likewise checks that its installation is in the inbox state.
   */
  get isRevoked(): boolean {
    return this.#self.revokedAt !== undefined
  }

  /**
   * Calls `listener` once when this client learns that its installation was revoked (at the first read of
   * its own identity log that shows it: `inboxState()`, `syncAll()`, a membership check, `Client.create`
   * on the same database). Returns the function that removes the listener.
   */
  onRevoked(listener: (event: InstallationRevokedEvent) => void): () => void {
    this.#revokedListeners.add(listener)
    return () => this.#revokedListeners.delete(listener)
  }

  /**
   * Refuses a write from a revoked installation. Everything that publishes (messages, group changes, new
   * conversations, identity updates, key packages) calls it first.
   * @throws {ClientError} `Client::InstallationRevoked`
   */
  assertNotRevoked(): void {
    if (this.#self.revokedAt !== undefined) {
      throw new ClientError(
        'Client::InstallationRevoked',
        'this installation was revoked from its inbox; it can no longer send or change anything',
        { details: `installation ${this.installationId} of inbox ${this.inboxId}` },
      )
    }
  }

  async #checkInstallation(): Promise<void> {
    if (this.#self.revokedAt !== undefined) return
    const state = await this.inboxes.state(this.inboxId)
    if (state === undefined || hasInstallation(state, this.installationKey)) return
    const at = this.now()
    this.#self.revokedAt = at
    await this.#saveSelf()
    const event = { inboxId: this.inboxId, installationId: this.installationId, at }
    for (const listener of this.#revokedListeners) {
      try {
        listener(event)
      } catch {
        // A listener's failure is the app's; the revocation is recorded either way.
      }
    }
  }

  /** This inbox's state, read again from the node and verified. */
  async inboxState(): Promise<InboxState> {
    await this.inboxes.refresh([this.inboxId])
    const state = await this.inboxes.state(this.inboxId)
    if (state === undefined) throw new ClientError('Client::Rejected', 'the node has no identity log for us')
    return inboxStateOf(state)
  }

  /** Signs with the recovery identifier, publishes, and reads the inbox back. */
  async #publishRecovery(signer: Signer, request: SignatureRequest): Promise<InboxState> {
    this.assertNotRevoked()
    await request.sign(signer, this.#verify)
    await this.api.publishIdentityUpdate(identityUpdateToProto(request.build()))
    return this.inboxState()
  }

  async #recoverySigner(signer: Signer): Promise<{ state: InboxState; recovery: PublicIdentifier }> {
    const state = await this.inboxState()
    this.assertNotRevoked()
    if (
      signer.identifier.kind === 'installation' ||
      !sameIdentifier(identifierValue(signer.identifier), identifierValue(state.recoveryIdentifier))
    ) {
      throw new ClientError(
        'Client::InvalidArgument',
        'only the recovery identifier of the inbox can do this (v3-node-api-and-identity.md §4.8)',
      )
    }
    return { state, recovery: state.recoveryIdentifier }
  }

  /**
   * Revokes installations of this inbox (any, this one included), signed by the recovery identifier. The
   * groups drop them at their next membership check: members' next send (or `updateInstallations`)
   * commits their removal (mls-groups.md §7.1).
   * @throws {ClientError} `Client::InvalidArgument` when `signer` is not the recovery identifier or a key
   * is not an installation of the inbox; `Client::Rejected` when the node does not apply it.
   */
  async revokeInstallations(signer: Signer, installations: readonly Uint8Array[]): Promise<InboxState> {
    const { state, recovery } = await this.#recoverySigner(signer)
    const known = new Set(state.installations.map(toHex))
    const unique = [...new Map(installations.map((k) => [toHex(k), k])).values()]
    if (unique.length === 0 || unique.some((k) => !known.has(toHex(k)))) {
      throw new ClientError('Client::InvalidArgument', 'not installations of this inbox')
    }
    const request = revokeAssociationRequest({
      inboxId: this.inboxId,
      members: unique.map((publicKey) => ({ kind: 'installation' as const, publicKey })),
      recoveryIdentifier: recovery,
      clientTimestampNs: BigInt(this.now()) * 1_000_000n,
    })
    const after = await this.#publishRecovery(signer, request)
    const still = new Set(after.installations.map(toHex))
    if (unique.some((k) => still.has(toHex(k)))) {
      throw new ClientError('Client::Rejected', 'the node does not show the revocation')
    }
    return after
  }

  /**
   * The inbox of each identifier, keyed by its display form (lowercase address, passkey key hex); undefined
   * when it has none. One GetInboxIds request. Nodes do not index passkeys (§3.11): a passkey is looked
   * for at the inbox it derives with nonce 1 (the official SDK's default), where it must still be linked.
   */
  async findInboxIds(identifiers: readonly PublicIdentifier[]): Promise<Map<string, string | undefined>> {
    const lookups = identifiers.map(lookupOf)
    const found = await this.api.getInboxIds(lookups.filter((l) => l.kind !== 2))
    const out = new Map<string, string | undefined>()
    const passkeys: { display: string; inboxId: string }[] = []
    for (const [i, identifier] of identifiers.entries()) {
      const lookup = lookups[i] as { identifier: string; kind: number }
      if (identifier.kind === 'ethereum') out.set(lookup.identifier, found.get(lookup.identifier))
      else passkeys.push({ display: lookup.identifier, inboxId: inboxIdFor(identifier, 1n) })
    }
    if (passkeys.length > 0) await this.inboxes.refresh(passkeys.map((p) => p.inboxId))
    for (const p of passkeys) {
      const state = await this.inboxes.state(p.inboxId)
      const linked =
        state !== undefined &&
        inboxStateOf(state).identifiers.some((id) =>
          sameIdentifier(identifierValue(id), { kind: 'passkey', value: p.display }),
        )
      out.set(p.display, linked ? p.inboxId : undefined)
    }
    return out
  }

  /**
   * The inbox ids of identifiers that must all be registered (adding members by identifier).
   * @throws {ClientError} `Client::MemberUnreachable` naming the identifiers that have no inbox.
   */
  async resolveInboxIds(identifiers: readonly PublicIdentifier[]): Promise<string[]> {
    const found = await this.findInboxIds(identifiers)
    const missing = identifiers
      .map((id) => identifierValue(id).value)
      .filter((v) => found.get(v.toLowerCase()) === undefined)
    if (missing.length > 0) {
      throw new ClientError('Client::MemberUnreachable', 'no inbox for these identifiers', {
        details: missing.join(', '),
      })
    }
    return [...new Set(identifiers.map((id) => found.get(identifierValue(id).value.toLowerCase()) as string))]
  }

  /**
   * Links a wallet (EOA or smart-contract wallet) or a passkey to this inbox: one AddAssociation signed by
   * the new identifier and by an existing member, this installation's key by default
   * (v3-node-api-and-identity.md §4.8-§4.9; libxmtp `associate_identity`). The identifier can then create
   * installations of this inbox, and lookups of it answer with this inbox.
   * @throws {ClientError} `Client::IdentifierInUse` when the node maps the identifier to another inbox and
   * `allowReassign` is not set; `Client::InvalidArgument` for an installation key, an identifier already
   * linked here, or an `existingSigner` that is neither a member nor the recovery identifier;
   * `Client::Rejected` when the node does not apply it; `Client::InstallationRevoked`.
   * @throws {IdentityError} when a signature does not verify (a smart-contract wallet is checked on its
   * chain through `ClientOptions.verify`).
   */
  async addIdentifier(newSigner: Signer, options: AddIdentifierOptions = {}): Promise<InboxState> {
    const state = await this.inboxState()
    this.assertNotRevoked()
    if (newSigner.identifier.kind === 'installation') {
      throw new ClientError(
        'Client::InvalidArgument',
        'installations join with Client.create, not addIdentifier',
      )
    }
    const identifier = newSigner.identifier as PublicIdentifier
    const value = identifierValue(identifier)
    if (state.identifiers.some((id) => sameIdentifier(identifierValue(id), value))) {
      throw new ClientError('Client::InvalidArgument', 'this identifier is already linked to this inbox')
    }
    const lookup = lookupOf(identifier)
    const current = (await this.api.getInboxIds([lookup])).get(lookup.identifier)
    if (current !== undefined && current !== this.inboxId && options.allowReassign !== true) {
      throw new ClientError('Client::IdentifierInUse', 'this identifier belongs to another inbox', {
        details: `${value.value} -> ${current}`,
      })
    }
    const existing = options.existingSigner ?? createInstallationKeySigner(this.#installationPrivateKey)
    const existingId = existing.identifier
    const isOurInstallation =
      existingId.kind === 'installation' && toHex(existingId.publicKey) === this.installationId
    const isMember =
      existingId.kind !== 'installation' &&
      [...state.identifiers, state.recoveryIdentifier].some((id) =>
        sameIdentifier(identifierValue(id), identifierValue(existingId)),
      )
    if (!isOurInstallation && !isMember) {
      throw new ClientError(
        'Client::InvalidArgument',
        'the existing signer must be this installation, a wallet or passkey of the inbox, or its recovery identifier',
      )
    }
    const request = addAssociationRequest({
      inboxId: this.inboxId,
      newMember: identifier,
      existingMember: existingId,
      clientTimestampNs: BigInt(this.now()) * 1_000_000n,
    })
    await request.sign(existing, this.#verify)
    await request.sign(newSigner, this.#verify)
    await this.api.publishIdentityUpdate(identityUpdateToProto(request.build()))
    const after = await this.inboxState()
    if (!after.identifiers.some((id) => sameIdentifier(identifierValue(id), value))) {
      throw new ClientError('Client::Rejected', 'the node does not show the new identifier')
    }
    return after
  }

  /**
   * Unlinks a wallet or passkey from this inbox, signed by the recovery identifier (§4.8: the installations
   * it added go with it, this one included when it added it). Its lookups no longer answer with this inbox.
   * @throws {ClientError} `Client::InvalidArgument` when `signer` is not the recovery identifier or the
   * identifier is not linked to the inbox; `Client::Rejected` when the node does not apply it;
   * `Client::InstallationRevoked`.
   */
  async revokeIdentifier(signer: Signer, identifier: PublicIdentifier): Promise<InboxState> {
    const { state, recovery } = await this.#recoverySigner(signer)
    const value = identifierValue(identifier)
    const linked = state.identifiers.find((id) => sameIdentifier(identifierValue(id), value))
    if (linked === undefined) {
      throw new ClientError('Client::InvalidArgument', 'this identifier is not linked to this inbox')
    }
    const request = revokeAssociationRequest({
      inboxId: this.inboxId,
      members: [linked],
      recoveryIdentifier: recovery,
      clientTimestampNs: BigInt(this.now()) * 1_000_000n,
    })
    const after = await this.#publishRecovery(signer, request)
    if (after.identifiers.some((id) => sameIdentifier(identifierValue(id), value))) {
      throw new ClientError('Client::Rejected', 'the node does not show the revocation')
    }
    return after
  }

  /** Revokes every installation of this inbox but this one ("log out everywhere else"). */
  async revokeAllOtherInstallations(signer: Signer): Promise<InboxState> {
    const { state } = await this.#recoverySigner(signer)
    const others = state.installations.filter((k) => toHex(k) !== this.installationId)
    if (others.length === 0) return state
    return this.revokeInstallations(signer, others)
  }

  /**
   * Hands recovery to another identifier (it need not be a member), signed by the current one.
   * @throws {ClientError} `Client::InvalidArgument` when `signer` is not the recovery identifier.
   */
  async changeRecoveryIdentifier(
    signer: Signer,
    newRecoveryIdentifier: PublicIdentifier,
  ): Promise<InboxState> {
    const { recovery } = await this.#recoverySigner(signer)
    const request = changeRecoveryAddressRequest({
      inboxId: this.inboxId,
      newRecoveryIdentifier,
      recoveryIdentifier: recovery,
      clientTimestampNs: BigInt(this.now()) * 1_000_000n,
    })
    const after = await this.#publishRecovery(signer, request)
    if (!sameIdentifier(identifierValue(after.recoveryIdentifier), identifierValue(newRecoveryIdentifier))) {
      throw new ClientError('Client::Rejected', 'the node does not show the new recovery identifier')
    }
    return after
  }

  async #saveSelf(): Promise<void> {
    await this.store.put(selfKey, jsonBytes(this.#self))
  }

  /**
   * Uploads a fresh key package (the node keeps only the newest per installation) and schedules the next
   * rotation 30 days on; the replaced ones keep their private keys for a day, so welcomes already wrapped
   * to them still open (mls-groups.md §3.2, libxmtp `rotate_and_upload_key_package`).
   */
  rotateKeyPackage(): Promise<void> {
    this.assertNotRevoked()
    return this.#keyPackageLock.run(() => this.#rotate())
  }

  async #rotate(): Promise<void> {
    const now = this.now()
    const kp = await createKeyPackage({
      inboxId: this.inboxId,
      installationPrivateKey: this.#installationPrivateKey,
      now: Math.floor(now / 1000),
    })
    const entry = {
      keyPackage: toHex(kp.keyPackage),
      initPrivateKey: toHex(kp.initPrivateKey),
      encryptionPrivateKey: toHex(kp.encryptionPrivateKey),
      createdAt: now,
    }
    // Stored before it is uploaded: a welcome to a key package whose private keys we lost never opens.
    const older = [...this.#self.keyPackages]
    this.#self.keyPackages.push(entry)
    await this.#saveSelf()
    await this.api.uploadKeyPackage(kp.keyPackage)
    for (const k of older) k.replacedAt ??= now
    this.#self.nextRotationAt = now + keyPackageRotationIntervalMs
    this.#prune(now)
    await this.#saveSelf()
  }

  #prune(now: number): boolean {
    const before = this.#self.keyPackages.length
    this.#self.keyPackages = this.#self.keyPackages.filter(
      (k) => k.replacedAt === undefined || now - k.replacedAt < keyPackageRetentionMs,
    )
    return this.#self.keyPackages.length !== before
  }

  /**
   * Key-package upkeep (libxmtp's key-package worker): rotates when due (30 days, or soon after welcomes
   * were processed), and drops private keys replaced more than a day ago. Costs no request when nothing is
   * due; `syncAll` and client start call it.
   * @returns whether a new key package was uploaded.
   */
  maintainKeyPackages(): Promise<boolean> {
    return this.#keyPackageLock.run(async () => {
      const now = this.now()
      // A revoked installation publishes nothing; old keys are still dropped on time.
      if (this.isRevoked) {
        if (this.#prune(now)) await this.#saveSelf()
        return false
      }
      const newest = this.#self.keyPackages.at(-1)?.createdAt ?? 0
      const due = this.#self.nextRotationAt ?? newest + keyPackageRotationIntervalMs
      if (now >= due) {
        await this.#rotate()
        return true
      }
      if (this.#prune(now)) await this.#saveSelf()
      return false
    })
  }

  /**
   * Called after a batch of welcomes was processed: the key package they used is now known to others, so
   * it is replaced (libxmtp `queue_key_rotation`); the rotation is due at once and survives a failure.
   */
  async keyPackageUsed(): Promise<void> {
    await this.#keyPackageLock.run(async () => {
      this.#self.nextRotationAt = this.now()
      await this.#saveSelf()
    })
    await this.maintainKeyPackages()
  }

  /** Closes the transport and the store. */
  async close(): Promise<void> {
    this.conversations.close()
    await this.preferences.idle()
    await this.api.transport.close()
    await this.store.close()
  }
}

async function register(
  api: XmtpApi,
  store: EncryptedStore,
  inboxes: InboxDirectory,
  signer: Signer,
  identifier: PublicIdentifier,
  nonce: bigint,
  now: () => number,
  verify: VerifyOptions | undefined,
): Promise<SelfRecord> {
  const lookup = lookupOf(identifier)
  let found = (await api.getInboxIds([lookup])).get(lookup.identifier)
  if (found === undefined && identifier.kind === 'passkey') {
    // Nodes do not index passkeys (node-go, node-lite: §3.11): a passkey's inbox is found at the id it
    // derives with this nonce, where its CreateInbox put it (§4.4).
    const derived = inboxIdFor(identifier, nonce)
    await inboxes.refresh([derived])
    const state = await inboxes.state(derived)
    if (state !== undefined) {
      const key = identifierValue(identifier).value
      if (
        !inboxStateOf(state).identifiers.some((id) =>
          sameIdentifier(identifierValue(id), { kind: 'passkey', value: key }),
        )
      ) {
        throw new ClientError(
          'Client::InvalidArgument',
          `inbox ${derived} exists and this passkey is no longer linked to it; use another nonce`,
        )
      }
      found = derived
    }
  }

  if (found !== undefined) {
    await inboxes.refresh([found])
    const count = (await inboxes.installations(found)).length
    if (count >= maxInstallationsPerInbox) {
      throw new ClientError(
        'Client::TooManyInstallations',
        `inbox ${found} already has ${count} installations; revoke one first`,
        { details: `${count} >= ${maxInstallationsPerInbox}` },
      )
    }
  }

  const installationPrivateKey = defaultCrypto.ed25519.randomPrivateKey()
  const installation = createInstallationKeySigner(installationPrivateKey)
  const clientTimestampNs = BigInt(now()) * 1_000_000n
  const request =
    found === undefined
      ? createInboxRequest({
          identifier,
          nonce,
          installationPublicKey: installation.publicKey,
          clientTimestampNs,
        })
      : addAssociationRequest({
          inboxId: found,
          newMember: installation.identifier as MemberIdentifier,
          existingMember: identifier,
          clientTimestampNs,
        })
  const inboxId = request.inboxId

  // Key package before the identity update, as libxmtp orders it (§1.8).
  const kp = await createKeyPackage({ inboxId, installationPrivateKey, now: Math.floor(now() / 1000) })
  await api.uploadKeyPackage(kp.keyPackage)

  await request.sign(installation, verify ?? {})
  await request.sign(signer, verify ?? {})
  const update = request.build()
  // Round-trip through our encoder so what we publish is what our validator reads.
  encodeIdentityUpdate(update)
  await api.publishIdentityUpdate(identityUpdateToProto(update))

  const self: SelfRecord = {
    inboxId,
    identifier: identifierValue(identifier),
    installationPrivateKey: toHex(installationPrivateKey),
    installationKey: toHex(installation.publicKey),
    keyPackages: [
      {
        keyPackage: toHex(kp.keyPackage),
        initPrivateKey: toHex(kp.initPrivateKey),
        encryptionPrivateKey: toHex(kp.encryptionPrivateKey),
        createdAt: now(),
      },
    ],
    nextRotationAt: now() + keyPackageRotationIntervalMs,
  }
  await store.put(selfKey, jsonBytes(self))
  await inboxes.refresh([inboxId])
  const state = await inboxes.state(inboxId)
  if (state === undefined || !hasInstallation(state, installation.publicKey)) {
    throw new ClientError(
      'Client::Rejected',
      'the node does not show the new installation after registration',
    )
  }
  return self
}
