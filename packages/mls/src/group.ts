/**
 * XMTP groups on ts-mls (protocol/mls-groups.md §4, §6, §7): create, join by welcome, commit (add, remove,
 * group-context extensions, self update), application messages in `PlaintextEnvelope`, and incoming
 * message processing with a commit-validation hook for the §7.3 rules.
 *
 * Every public shape here is our own; ts-mls types stay inside the package.
 * @module
 */

import { BaseError, concatBytes, defaultCrypto, equalBytes, toHex, utf8ToBytes } from '@xmtp-lite/common'
import { xmtp } from '@xmtp-lite/proto'
import {
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  decodeMlsMessage,
  type Extension,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  type GroupState,
  type IncomingMessageAction,
  type IncomingMessageCallback,
  joinGroup,
  type KeyPackage,
  type LeafNode,
  type MLSMessage,
  mlsExporter,
  type Proposal,
  type ProposalWithSender,
  processPrivateMessage,
} from 'ts-mls'
import { extensionTypeToNumber } from 'ts-mls/extension.js'
import { decodeKeyPackage } from 'ts-mls/keyPackage.js'
import { decodeMlsCredential } from './credential.ts'
import { MlsError, type MlsErrorCode } from './errors.ts'
import { type CreatedKeyPackage, createKeyPackageWith } from './key-package.ts'
import { xmtpSuite } from './suite.ts'
import { validateKeyPackageRecording } from './validation.ts'
import { VerifiedSignatures } from './verified.ts'
import { decodeRequiredCapabilities } from './xmtp/extensions.ts'

/** An MLS extension: its u16 type and its opaque data (for XMTP's extensions see `src/xmtp/`). */
export interface GroupExtension {
  readonly extensionType: number
  readonly extensionData: Uint8Array
}

/** A member leaf of the group. */
export interface GroupMember {
  /** Inbox id from the leaf credential's `MlsCredential` ("" when it does not decode). */
  readonly inboxId: string
  /** The leaf signature key: the installation id. */
  readonly installationKey: Uint8Array
  readonly leafIndex: number
}

/** The installation acting in a group: its inbox and its Ed25519 key (the leaf signature key). */
export interface InstallationIdentity {
  readonly inboxId: string
  /** 32-byte Ed25519 seed. */
  readonly installationPrivateKey: Uint8Array
}

/** A proposal inside an incoming commit, in neutral terms for the §7.3 validators. */
export type IncomingProposal =
  | {
      readonly kind: 'add'
      readonly proposer: GroupMember
      readonly inboxId: string
      readonly installationKey: Uint8Array
    }
  | { readonly kind: 'remove'; readonly proposer: GroupMember; readonly removed: GroupMember }
  | {
      readonly kind: 'update'
      readonly proposer: GroupMember
      readonly inboxId: string
      readonly installationKey: Uint8Array
    }
  | {
      readonly kind: 'groupContextExtensions'
      readonly proposer: GroupMember
      readonly extensions: readonly GroupExtension[]
    }
  | { readonly kind: 'other'; readonly proposer: GroupMember | undefined; readonly proposalType: number }

/** A commit that has been staged but not merged: what the §7.3 validators look at. */
export interface IncomingCommit {
  readonly groupId: Uint8Array
  /** The epoch the commit moves the group out of. */
  readonly epoch: bigint
  readonly committer: GroupMember
  readonly proposals: readonly IncomingProposal[]
  /** Members and extensions before the commit. */
  readonly membersBefore: readonly GroupMember[]
  readonly extensionsBefore: readonly GroupExtension[]
  /** Members and extensions after it. */
  readonly membersAfter: readonly GroupMember[]
  readonly extensionsAfter: readonly GroupExtension[]
}

/**
 * Checks an incoming commit before it is merged; throws (ideally a typed error) to reject it. The group
 * state stays untouched when it throws.
 */
export type CommitValidator = (commit: IncomingCommit) => void | Promise<void>

/** An application message, decrypted. */
export interface ReceivedApplicationMessage {
  readonly kind: 'application'
  readonly epoch: bigint
  readonly sender: GroupMember
  /** `PlaintextEnvelope.V1.content`: the protobuf EncodedContent bytes, exactly as received. */
  readonly content: Uint8Array
  readonly idempotencyKey: string
  /** XMTP message id (§6.1), 32 bytes. */
  readonly messageId: Uint8Array
}

/** A commit that was validated and merged. */
export interface ReceivedCommit {
  readonly kind: 'commit'
  /** The new epoch (also when this installation was removed, though its own state then stays behind). */
  readonly epoch: bigint
  readonly committer: GroupMember
  readonly added: readonly GroupMember[]
  readonly removed: readonly GroupMember[]
  readonly extensionsChanged: boolean
  /** True when this installation was removed by the commit (the group is now inactive). */
  readonly selfRemoved: boolean
}

/** What {@link MlsGroup.processMessage} gives back. */
export type ReceivedMessage = ReceivedApplicationMessage | ReceivedCommit

/** A commit made by us, not yet merged: publish `commit`, then {@link MlsGroup.merge} it (§7.2). */
export interface PendingCommit {
  /** MLSMessage(PrivateMessage) bytes to publish on the group topic. */
  readonly commit: Uint8Array
  /** MLSMessage(Welcome) bytes for the added installations, when any were added. */
  readonly welcome: Uint8Array | undefined
  /** Installations added, with the init keys their welcomes must be wrapped to (§5.2). */
  readonly added: readonly {
    readonly installationKey: Uint8Array
    readonly initKey: Uint8Array
    readonly inboxId: string
  }[]
  /** The epoch the group reaches once merged. */
  readonly epoch: bigint
}

/** Changes one commit makes: any mix, all inline (§7.1 step 7). */
export interface CommitChanges {
  /** Key packages (bare TLS) of installations to add. */
  readonly add?: readonly Uint8Array[]
  /** Installation keys of members to remove. */
  readonly remove?: readonly Uint8Array[]
  /** The full new list of group-context extensions (one GroupContextExtensions proposal). */
  readonly extensions?: readonly GroupExtension[]
  /** Time used to check the lifetime of added key packages, Unix seconds; defaults to the clock. */
  readonly now?: number
}

/** XMTP's group configuration on ts-mls (§4.2). */
export function xmtpClientConfig(): ClientConfig {
  return {
    // max_past_epochs = 3; OpenMLS maximum_forward_distance 1000 and out-of-order tolerance (§4.2).
    keyRetentionConfig: {
      retainKeysForEpochs: 3,
      retainKeysForGenerations: 10,
      maximumForwardRatchetSteps: 1000,
    },
    // Lifetime validation of tree leaves is skipped on join (§5.2).
    lifetimeConfig: { maximumTotalLifetime: 2n ** 63n - 1n, validateLifetimeOnReceive: false },
    keyPackageEqualityConfig: {
      compareKeyPackages: (a, b) => equalBytes(a.initKey, b.initKey) && equalBytes(a.signature, b.signature),
      compareKeyPackageToLeafNode: (a, b) => equalBytes(a.leafNode.signature, b.signature),
    },
    // OpenMLS padding_size 0: no padding (§4.2).
    paddingConfig: { kind: 'padUntilLength', padUntilLength: 0 },
    authService: {
      // Every credential must be Basic and hold an MlsCredential (§2); the inbox ↔ installation binding is
      // checked by the §7.3 validators and at join.
      async validateCredential(credential) {
        if (credential.credentialType !== 'basic') return false
        try {
          decodeMlsCredential(credential.identity)
          return true
        } catch {
          return false
        }
      },
    },
  }
}

const defaultExtensionNames: Record<number, Extension['extensionType']> = {
  1: 'application_id',
  2: 'ratchet_tree',
  3: 'required_capabilities',
  4: 'external_pub',
  5: 'external_senders',
}

function toTsExtension(e: GroupExtension): Extension {
  return {
    extensionType: defaultExtensionNames[e.extensionType] ?? e.extensionType,
    extensionData: e.extensionData,
  }
}

function fromTsExtension(e: Extension): GroupExtension {
  return { extensionType: extensionTypeToNumber(e.extensionType), extensionData: e.extensionData }
}

function inboxIdOf(leaf: LeafNode): string {
  if (leaf.credential.credentialType !== 'basic') return ''
  try {
    return decodeMlsCredential(leaf.credential.identity)
  } catch {
    return ''
  }
}

function membersOf(state: ClientState): GroupMember[] {
  const out: GroupMember[] = []
  const tree = state.ratchetTree
  for (let i = 0; i < tree.length; i += 2) {
    const node = tree[i]
    if (node?.nodeType === 'leaf') {
      out.push({
        inboxId: inboxIdOf(node.leaf),
        installationKey: node.leaf.signaturePublicKey,
        leafIndex: i / 2,
      })
    }
  }
  return out
}

function memberAt(state: ClientState, leafIndex: number): GroupMember {
  const node = state.ratchetTree[leafIndex * 2]
  if (node?.nodeType !== 'leaf') throw new MlsError('Mls::InvalidCommit', `no member at leaf ${leafIndex}`)
  return { inboxId: inboxIdOf(node.leaf), installationKey: node.leaf.signaturePublicKey, leafIndex }
}

/** RFC 9420 §7.2 default extension types: every member supports them without listing them. */
const defaultExtensionTypes = new Set([0x0001, 0x0002, 0x0003, 0x0004, 0x0005])

/**
 * OpenMLS's GroupContextExtensions proposal check (since 0.6, libxmtp's engine;
 * `validate_group_context_extensions_proposal`): every extension of the new list that is not a default type
 * must be listed in the `required_capabilities` of that same list (RFC 9420 §13.4: an extension in use by
 * the group must be supported by all members). Gives a reason when it is not; OpenMLS rejects such a
 * commit (`ExtensionNotInRequiredCapabilities`), so we neither build nor accept one.
 */
function gceExtensionsProblem(extensions: readonly GroupExtension[]): string | undefined {
  const rc = extensions.find((e) => e.extensionType === 0x0003)
  let listed: readonly number[] = []
  if (rc !== undefined) {
    try {
      listed = decodeRequiredCapabilities(rc.extensionData).extensionTypes
    } catch {
      return 'the required_capabilities extension does not decode'
    }
  }
  const unlisted = extensions.find(
    (e) => !defaultExtensionTypes.has(e.extensionType) && !listed.includes(e.extensionType),
  )
  if (unlisted === undefined) return undefined
  return `extension 0x${unlisted.extensionType.toString(16).padStart(4, '0')} is not in required_capabilities`
}

/** Synchronous SHA-256 of our crypto provider (no Web Crypto thread-pool round trip per message). */
async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return defaultCrypto.sha256(data)
}

/** XMTP message id (§6.1): SHA-256(group_id ‖ 0x09 ‖ idempotency_key ‖ 0x09 ‖ EncodedContent bytes). */
export async function calculateMessageId(
  groupId: Uint8Array,
  idempotencyKey: string,
  content: Uint8Array,
): Promise<Uint8Array> {
  const key = utf8ToBytes(idempotencyKey)
  const input = new Uint8Array(groupId.length + key.length + content.length + 2)
  input.set(groupId, 0)
  input[groupId.length] = 0x09
  input.set(key, groupId.length + 1)
  input[groupId.length + 1 + key.length] = 0x09
  input.set(content, groupId.length + key.length + 2)
  return sha256(input)
}

/** Maps a ts-mls failure to one of our codes; our own typed errors pass through. */
function wrapError(error: unknown, fallback: MlsErrorCode, what: string): BaseError {
  if (error instanceof BaseError) return error
  const name = error instanceof Error ? error.name : ''
  const message = error instanceof Error ? error.message : String(error)
  let code: MlsErrorCode = fallback
  if (/epoch/i.test(message)) code = 'Mls::WrongEpoch'
  else if (name === 'CodecError') code = 'Mls::MessageMalformed'
  else if (name === 'CryptoVerificationError' || name === 'CryptoError' || /OpenError/.test(name)) {
    code = 'Mls::DecryptFailed'
  }
  return new MlsError(code, what, { cause: error, details: `${name}: ${message}` })
}

function decodeMessage(bytes: Uint8Array): MLSMessage {
  let decoded: [MLSMessage, number] | undefined
  try {
    decoded = decodeMlsMessage(bytes, 0)
  } catch (cause) {
    throw new MlsError('Mls::MessageMalformed', 'the MLS message does not parse', { cause })
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new MlsError('Mls::MessageMalformed', 'the MLS message does not parse')
  }
  return decoded[0]
}

/**
 * The epoch a group message (private or public) was made in, from its header, without decrypting it. A
 * sender cannot decrypt its own PrivateMessage; this is how it tells that its message, read back from the
 * topic, came after a commit it had not merged when it encrypted it (mls-groups.md §8.4).
 * @throws {MlsError} `Mls::MessageMalformed` when the bytes are not a private or public MLS message.
 */
export function messageEpoch(bytes: Uint8Array): bigint {
  const message = decodeMessage(bytes)
  if (message.wireformat === 'mls_private_message') return message.privateMessage.epoch
  if (message.wireformat === 'mls_public_message') return message.publicMessage.content.epoch
  throw new MlsError('Mls::MessageMalformed', `a ${message.wireformat} is not a group message`)
}

/** Package-internal access to a group's ts-mls state (storage, tests); never exported from the index. */
export let internal: {
  state(group: MlsGroup): ClientState
  setState(group: MlsGroup, state: ClientState): void
  suite(group: MlsGroup): CiphersuiteImpl
  fromState(state: ClientState, suite: CiphersuiteImpl): MlsGroup
}

/**
 * What a pending commit moves the group from and to. `base` is the exact state it was staged on (absent for
 * a commit restored from storage); `baseEpoch` and `baseTranscript` (the confirmed transcript hash) name that
 * epoch, so the commit still merges after application messages moved the base's ratchets.
 */
interface Staged {
  readonly base: ClientState | undefined
  readonly baseEpoch: bigint
  readonly baseTranscript: Uint8Array
  readonly next: ClientState
  /** The proposals inline in the commit (absent for a commit restored from storage). */
  readonly proposals?: readonly Proposal[]
}

const pendingStates = new WeakMap<PendingCommit, Staged>()

/**
 * The post-commit state with the sender ratchets of the epochs it keeps for late messages taken from the
 * current state: application messages sent or received in the old epoch after the commit was staged must
 * not be decrypted (or their generations reused) again.
 */
function carryRatchets(current: ClientState, next: ClientState): ClientState {
  const historical = new Map(next.historicalReceiverData)
  for (const [epoch, data] of historical) {
    const secretTree =
      epoch === current.groupContext.epoch
        ? current.secretTree
        : current.historicalReceiverData.get(epoch)?.secretTree
    if (secretTree !== undefined && secretTree !== data.secretTree)
      historical.set(epoch, { ...data, secretTree })
  }
  return { ...next, historicalReceiverData: historical }
}

/** What {@link MlsGroup.join} needs from our key package. */
export interface JoinKeys {
  /** Our key package (bare TLS) that the welcome was made for. */
  readonly keyPackage: Uint8Array
  readonly initPrivateKey: Uint8Array
  readonly encryptionPrivateKey: Uint8Array
  readonly installationPrivateKey: Uint8Array
}

/** Options for {@link MlsGroup.create}. */
export interface CreateGroupOptions {
  readonly identity: InstallationIdentity
  /** Group-context extensions in creation order (§4.3). */
  readonly extensions: readonly GroupExtension[]
  /** 16 bytes; random when absent (§4.1). */
  readonly groupId?: Uint8Array
}

/**
 * One group as seen by one installation. Every operation either completes or leaves the group as it was
 * (ts-mls states are immutable; a new state replaces the old one only after every check passed).
 */
export class MlsGroup {
  #state: ClientState
  readonly #suite: CiphersuiteImpl

  private constructor(state: ClientState, suite: CiphersuiteImpl) {
    this.#state = state
    this.#suite = suite
  }

  static {
    internal = {
      state: (group) => group.#state,
      setState: (group, state) => {
        group.#state = state
      },
      suite: (group) => group.#suite,
      fromState: (state, suite) => new MlsGroup(state, suite),
    }
  }

  /**
   * Creates a group with this installation as its only member, on suite 0x0003 with XMTP's extensions.
   * @throws {MlsError} `Mls::InvalidArgument` on a group id that is not 16 bytes.
   */
  static async create(options: CreateGroupOptions): Promise<MlsGroup> {
    return createGroupWith(options, await xmtpSuite())
  }

  /**
   * Joins from MLSMessage(Welcome) bytes, with the ratchet tree from the GroupInfo extension (§4.2).
   * @throws {MlsError} `Mls::WelcomeMalformed`, `Mls::WelcomeNotForUs`, `Mls::WelcomeDecryptFailed`,
   * `Mls::InvalidArgument` (group id not 16 bytes) or `Mls::InvalidCommit` (an invalid tree).
   */
  static async join(welcome: Uint8Array, keys: JoinKeys): Promise<MlsGroup> {
    return joinGroupWith(welcome, keys, await xmtpSuite())
  }

  get groupId(): Uint8Array {
    return this.#state.groupContext.groupId
  }

  get epoch(): bigint {
    return this.#state.groupContext.epoch
  }

  /** False once this installation was removed. */
  get isActive(): boolean {
    return this.#state.groupActiveState.kind === 'active'
  }

  /** Our own leaf index. */
  get ownLeafIndex(): number {
    return this.#state.privatePath.leafIndex
  }

  members(): GroupMember[] {
    return membersOf(this.#state)
  }

  extensions(): GroupExtension[] {
    return this.#state.groupContext.extensions.map(fromTsExtension)
  }

  /** The data of one group-context extension, or `undefined`. */
  extension(type: number): Uint8Array | undefined {
    return this.extensions().find((e) => e.extensionType === type)?.extensionData
  }

  /** RFC 9420 exporter (for tests comparing epochs across members, and for app secrets). */
  async exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    return mlsExporter(this.#state.keySchedule.exporterSecret, label, context, length, this.#suite)
  }

  /**
   * Stages one commit with every proposal inline: Adds, Removes and at most one GroupContextExtensions
   * (§7.1 step 7). The group is unchanged until {@link merge}.
   * @throws {MlsError} `Mls::GroupInactive`, `Mls::NotAMember`, `Mls::AlreadyAMember`,
   * `Mls::InvalidArgument`, or a key-package validation code.
   */
  async commit(changes: CommitChanges = {}): Promise<PendingCommit> {
    if (!this.isActive) throw new MlsError('Mls::GroupInactive', 'this installation is not in the group')
    const proposals: Proposal[] = []
    const added: { installationKey: Uint8Array; initKey: Uint8Array; inboxId: string }[] = []
    const members = this.members()
    const memberKeys = new Set(members.map((m) => toHex(m.installationKey)))
    const removedKeys = new Set((changes.remove ?? []).map(toHex))
    // ts-mls verifies every added key package again; it reuses the verdicts of our validator (verified.ts).
    const verified = new VerifiedSignatures()
    for (const bytes of changes.add ?? []) {
      const [valid, keyPackage] = await validateKeyPackageRecording(
        bytes,
        changes.now === undefined ? {} : { now: changes.now },
        verified,
      )
      const key = toHex(valid.installationKey)
      if (memberKeys.has(key) && !removedKeys.has(key)) {
        throw new MlsError('Mls::AlreadyAMember', 'the installation is already in the group')
      }
      proposals.push({ proposalType: 'add', add: { keyPackage } })
      added.push({ installationKey: valid.installationKey, initKey: valid.initKey, inboxId: valid.inboxId })
    }
    const removals: Proposal[] = []
    for (const key of changes.remove ?? []) {
      const member = members.find((m) => equalBytes(m.installationKey, key))
      if (member === undefined)
        throw new MlsError('Mls::NotAMember', 'the installation to remove is not in the group')
      if (member.leafIndex === this.ownLeafIndex) {
        throw new MlsError('Mls::InvalidArgument', 'a member cannot remove itself (§7.1 step 5)')
      }
      removals.push({ proposalType: 'remove', remove: { removed: member.leafIndex } })
    }
    // Removes first, so a re-add can reuse the freed leaf (§7.2 re-add).
    const all: Proposal[] = [...removals, ...proposals]
    if (changes.extensions !== undefined) {
      const problem = gceExtensionsProblem(changes.extensions)
      if (problem !== undefined) {
        throw new MlsError('Mls::InvalidArgument', 'OpenMLS would reject these group-context extensions', {
          details: problem,
        })
      }
      all.push({
        proposalType: 'group_context_extensions',
        groupContextExtensions: { extensions: changes.extensions.map(toTsExtension) },
      })
    }
    const base = this.#state
    // ts-mls checks added key packages against its clock: give it ours when the caller fixed "now"
    // (the patched LifetimeConfig.currentTime), and keep the group's own config in the new state.
    const now = changes.now
    const building =
      now === undefined
        ? base
        : {
            ...base,
            clientConfig: {
              ...base.clientConfig,
              lifetimeConfig: { ...base.clientConfig.lifetimeConfig, currentTime: () => BigInt(now) },
            },
          }
    let result: Awaited<ReturnType<typeof createCommit>>
    try {
      const cipherSuite = { ...this.#suite, signature: verified.wrap(this.#suite.signature) }
      result = await createCommit(
        { state: building, cipherSuite },
        { extraProposals: all, ratchetTreeExtension: true, wireAsPublicMessage: false },
      )
    } catch (error) {
      throw wrapError(error, 'Mls::InvalidArgument', 'the commit cannot be built')
    }
    result = { ...result, newState: { ...result.newState, clientConfig: base.clientConfig } }
    const welcome =
      result.welcome === undefined
        ? undefined
        : encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome })
    const pending: PendingCommit = {
      commit: encodeMlsMessage(result.commit),
      welcome,
      added,
      epoch: result.newState.groupContext.epoch,
    }
    pendingStates.set(pending, {
      base,
      baseEpoch: base.groupContext.epoch,
      baseTranscript: base.groupContext.confirmedTranscriptHash,
      next: result.newState,
      proposals: all,
    })
    return pending
  }

  /** An empty commit: a new leaf HPKE key and path, nothing else (§7.2 key update). */
  selfUpdate(): Promise<PendingCommit> {
    return this.commit({})
  }

  /**
   * A commit of ours as the §7.3 validators see an incoming one (libxmtp validates its own commits too,
   * mls-groups.md §8.3): check it before publishing, so a change the group's rules refuse never reaches
   * the other members.
   * @throws {MlsError} `Mls::InvalidArgument` for a commit another group staged, or one restored from storage.
   */
  describeCommit(pending: PendingCommit): IncomingCommit {
    const staged = pendingStates.get(pending)
    const base = staged?.base
    if (
      staged?.proposals === undefined ||
      base === undefined ||
      !equalBytes(base.groupContext.groupId, this.groupId)
    )
      throw new MlsError('Mls::InvalidArgument', 'not a commit this group staged in this session')
    const { next } = staged
    const own = base.privatePath.leafIndex
    return {
      groupId: base.groupContext.groupId,
      epoch: base.groupContext.epoch,
      committer: memberAt(base, own),
      proposals: staged.proposals.map((proposal) =>
        describeProposal(base, { proposal, senderLeafIndex: own }),
      ),
      membersBefore: membersOf(base),
      extensionsBefore: base.groupContext.extensions.map(fromTsExtension),
      membersAfter: membersOf(next),
      extensionsAfter: next.groupContext.extensions.map(fromTsExtension),
    }
  }

  /**
   * Merges a commit of ours once it is accepted (published and read back). Application messages sent or
   * received in the old epoch since the commit was staged are fine (their ratchets are kept for that epoch);
   * another commit is not.
   * @throws {MlsError} `Mls::WrongEpoch` when the group left the epoch the commit was staged on.
   */
  merge(pending: PendingCommit): void {
    const staged = pendingStates.get(pending)
    if (staged === undefined)
      throw new MlsError('Mls::InvalidArgument', 'not a pending commit of this library')
    const current = this.#state
    if (
      current.groupContext.epoch !== staged.baseEpoch ||
      !equalBytes(current.groupContext.confirmedTranscriptHash, staged.baseTranscript) ||
      !equalBytes(current.groupContext.groupId, staged.next.groupContext.groupId)
    ) {
      throw new MlsError('Mls::WrongEpoch', 'the group changed since this commit was staged; build it again')
    }
    const next =
      staged.base === current
        ? staged.next
        : carryRatchets(current, { ...staged.next, clientConfig: current.clientConfig })
    this.#state = next
    pendingStates.delete(pending)
  }

  /**
   * Encrypts one application message: `PlaintextEnvelope.V1{content, idempotency_key}` in a PrivateMessage
   * of the current epoch (§6.1). `content` is the protobuf EncodedContent bytes.
   */
  async sendMessage(
    content: Uint8Array,
    idempotencyKey: string,
  ): Promise<{ readonly message: Uint8Array; readonly messageId: Uint8Array }> {
    if (!this.isActive) throw new MlsError('Mls::GroupInactive', 'this installation is not in the group')
    const envelope = xmtp.mls.message_contents.PlaintextEnvelope.encode({
      v1: { content, idempotencyKey },
    }).finish()
    let sent: Awaited<ReturnType<typeof createApplicationMessage>>
    try {
      sent = await createApplicationMessage(this.#state, envelope, this.#suite)
    } catch (error) {
      throw wrapError(error, 'Mls::Internal', 'the message cannot be encrypted')
    }
    this.#state = sent.newState
    const message = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: sent.privateMessage,
    })
    return { message, messageId: await calculateMessageId(this.groupId, idempotencyKey, content) }
  }

  /**
   * Decrypts and applies one message from the group topic. Commits go through `validate` (the §7.3 rules)
   * before they are merged; a rejection leaves the group untouched.
   * @throws {MlsError} `Mls::MessageMalformed`, `Mls::WrongGroup`, `Mls::WrongEpoch`, `Mls::DecryptFailed`,
   * `Mls::InvalidCommit`, or whatever `validate` throws.
   */
  async processMessage(bytes: Uint8Array, validate?: CommitValidator): Promise<ReceivedMessage> {
    const message = decodeMessage(bytes)
    if (message.wireformat !== 'mls_private_message') {
      // §4.2: pure ciphertext; libxmtp rejects every other wire format on the group topic.
      throw new MlsError('Mls::MessageMalformed', 'only PrivateMessage is accepted on a group topic')
    }
    const pm = message.privateMessage
    const before = this.#state
    if (!equalBytes(pm.groupId, before.groupContext.groupId)) {
      throw new MlsError('Mls::WrongGroup', 'the message belongs to another group')
    }
    if (pm.epoch > before.groupContext.epoch) {
      throw new MlsError('Mls::WrongEpoch', 'the message is for a future epoch')
    }
    let seen: { senderLeafIndex: number | undefined; proposals: ProposalWithSender[] } | undefined
    let standaloneProposal = false
    const callback: IncomingMessageCallback = (incoming): IncomingMessageAction => {
      if (incoming.kind === 'commit') {
        seen = { senderLeafIndex: incoming.senderLeafIndex, proposals: incoming.proposals }
        return 'accept'
      }
      standaloneProposal = true
      return 'reject'
    }
    let result: Awaited<ReturnType<typeof processPrivateMessage>>
    try {
      result = await processPrivateMessage(before, pm, emptyPskIndex, this.#suite, callback)
    } catch (error) {
      throw wrapError(error, 'Mls::InvalidCommit', 'the message was rejected')
    }
    if (result.kind === 'applicationMessage') {
      return this.#application(before, result.newState, pm.epoch, result.senderLeafIndex, result.message)
    }
    if (standaloneProposal) {
      // §7.3: standalone proposals are rejected in non-migrated groups; we never merge them.
      throw new MlsError(
        'Mls::InvalidCommit',
        'standalone proposals are not supported (inline proposals only)',
      )
    }
    if (seen === undefined || seen.senderLeafIndex === undefined) {
      throw new MlsError('Mls::InvalidCommit', 'the commit has no member sender (§7.3 rule 1)')
    }
    const after = result.newState
    const committer = memberAt(before, seen.senderLeafIndex)
    const proposals = seen.proposals.map((p) => describeProposal(before, p))
    for (const p of proposals) {
      const problem = p.kind === 'groupContextExtensions' ? gceExtensionsProblem(p.extensions) : undefined
      if (problem !== undefined) {
        throw new MlsError(
          'Mls::InvalidCommit',
          'the group-context extensions are invalid (OpenMLS rejects them)',
          {
            details: problem,
          },
        )
      }
    }
    if (proposals.some((p) => p.kind === 'other')) {
      // §7.3 rule 8 (no PSK) and the unsupported kinds of validate_proposal.
      throw new MlsError('Mls::InvalidCommit', 'the commit holds a proposal type XMTP does not allow')
    }
    const incoming: IncomingCommit = {
      groupId: before.groupContext.groupId,
      epoch: before.groupContext.epoch,
      committer,
      proposals,
      membersBefore: membersOf(before),
      extensionsBefore: before.groupContext.extensions.map(fromTsExtension),
      membersAfter: membersOf(after),
      extensionsAfter: after.groupContext.extensions.map(fromTsExtension),
    }
    if (validate !== undefined) {
      try {
        await validate(incoming)
      } catch (error) {
        throw wrapError(error, 'Mls::InvalidCommit', 'the commit was rejected by validation')
      }
    }
    if (this.#state !== before)
      throw new MlsError('Mls::WrongEpoch', 'the group changed while the commit was checked')
    this.#state = after
    // From the proposals, not a tree diff: a re-add keeps the key and may reuse the leaf (§7.2).
    const added = proposals.flatMap((p) =>
      p.kind === 'add'
        ? incoming.membersAfter.filter((m) => equalBytes(m.installationKey, p.installationKey)).slice(0, 1)
        : [],
    )
    const removed = proposals.flatMap((p) => (p.kind === 'remove' ? [p.removed] : []))
    const selfRemoved = after.groupActiveState.kind === 'removedFromGroup'
    return {
      kind: 'commit',
      // A removed member cannot derive the new epoch: its state stays in the old one, but the commit still
      // moved the group one epoch on (found against OpenMLS, tools/openmls-check).
      epoch: selfRemoved ? before.groupContext.epoch + 1n : after.groupContext.epoch,
      committer,
      added,
      removed,
      extensionsChanged: proposals.some((p) => p.kind === 'groupContextExtensions'),
      selfRemoved,
    }
  }

  async #application(
    before: ClientState,
    after: ClientState,
    epoch: bigint,
    senderLeafIndex: number | undefined,
    plaintext: Uint8Array,
  ): Promise<ReceivedApplicationMessage> {
    if (senderLeafIndex === undefined)
      throw new MlsError('Mls::InvalidCommit', 'application message without a member sender')
    const tree =
      epoch === before.groupContext.epoch
        ? before.ratchetTree
        : before.historicalReceiverData.get(epoch)?.ratchetTree
    const node = tree?.[senderLeafIndex * 2]
    if (node?.nodeType !== 'leaf') throw new MlsError('Mls::DecryptFailed', 'the sender leaf is blank')
    let envelope: xmtp.mls.message_contents.PlaintextEnvelope
    try {
      envelope = xmtp.mls.message_contents.PlaintextEnvelope.decode(plaintext)
    } catch (cause) {
      throw new MlsError('Mls::MessageMalformed', 'the application data is not a PlaintextEnvelope', {
        cause,
      })
    }
    if (envelope.v1 === null || envelope.v1 === undefined) {
      // §6.1: V2 is ignored by libxmtp and an empty envelope is an error.
      throw new MlsError('Mls::MessageMalformed', 'the PlaintextEnvelope is not V1')
    }
    // Only now, after every check, keep the ratchet state that consumed this generation.
    this.#state = after
    const content = envelope.v1.content
    const idempotencyKey = envelope.v1.idempotencyKey
    return {
      kind: 'application',
      epoch,
      sender: {
        inboxId: inboxIdOf(node.leaf),
        installationKey: node.leaf.signaturePublicKey,
        leafIndex: senderLeafIndex,
      },
      content,
      idempotencyKey,
      messageId: await calculateMessageId(before.groupContext.groupId, idempotencyKey, content),
    }
  }
}

function describeProposal(state: ClientState, p: ProposalWithSender): IncomingProposal {
  const proposer = p.senderLeafIndex === undefined ? undefined : memberAt(state, p.senderLeafIndex)
  const proposal = p.proposal
  if (proposer === undefined) return { kind: 'other', proposer, proposalType: 0 }
  switch (proposal.proposalType) {
    case 'add': {
      const leaf = proposal.add.keyPackage.leafNode
      return { kind: 'add', proposer, inboxId: inboxIdOf(leaf), installationKey: leaf.signaturePublicKey }
    }
    case 'remove':
      return { kind: 'remove', proposer, removed: memberAt(state, proposal.remove.removed) }
    case 'update': {
      const leaf = proposal.update.leafNode
      return { kind: 'update', proposer, inboxId: inboxIdOf(leaf), installationKey: leaf.signaturePublicKey }
    }
    case 'group_context_extensions':
      return {
        kind: 'groupContextExtensions',
        proposer,
        extensions: proposal.groupContextExtensions.extensions.map(fromTsExtension),
      }
    default:
      return {
        kind: 'other',
        proposer,
        proposalType: typeof proposal.proposalType === 'number' ? proposal.proposalType : 0,
      }
  }
}

function decodeOwnKeyPackage(own: CreatedKeyPackage): KeyPackage {
  const decoded = decodeKeyPackage(own.keyPackage, 0)
  if (decoded === undefined) throw new MlsError('Mls::Internal', 'our own key package does not parse')
  return decoded[0]
}

/** {@link MlsGroup.create} with an explicit ts-mls suite implementation (benchmarks, tests). */
export async function createGroupWith(options: CreateGroupOptions, cs: CiphersuiteImpl): Promise<MlsGroup> {
  const groupId = options.groupId ?? globalThis.crypto.getRandomValues(new Uint8Array(16))
  if (groupId.length !== 16) throw new MlsError('Mls::InvalidArgument', 'group ids are 16 bytes (§4.1)')
  const own = await createKeyPackageWith(
    { inboxId: options.identity.inboxId, installationPrivateKey: options.identity.installationPrivateKey },
    cs,
  )
  const kp = decodeOwnKeyPackage(own)
  try {
    const state = await createGroup(
      groupId,
      kp,
      {
        initPrivateKey: own.initPrivateKey,
        hpkePrivateKey: own.encryptionPrivateKey,
        signaturePrivateKey: options.identity.installationPrivateKey,
      },
      options.extensions.map(toTsExtension),
      cs,
      xmtpClientConfig(),
    )
    return internal.fromState(state, cs)
  } catch (error) {
    throw wrapError(error, 'Mls::InvalidArgument', 'the group cannot be created')
  }
}

/** {@link MlsGroup.join} with an explicit ts-mls suite implementation (benchmarks, tests). */
export async function joinGroupWith(
  welcome: Uint8Array,
  keys: JoinKeys,
  cs: CiphersuiteImpl,
): Promise<MlsGroup> {
  let message: MLSMessage
  try {
    message = decodeMessage(welcome)
  } catch (cause) {
    throw new MlsError('Mls::WelcomeMalformed', 'the welcome does not parse', { cause })
  }
  if (message.wireformat !== 'mls_welcome') {
    throw new MlsError('Mls::WelcomeMalformed', 'the message is not an MLSMessage(Welcome) (§5.1)')
  }
  const decoded = decodeKeyPackage(keys.keyPackage, 0)
  if (decoded === undefined) throw new MlsError('Mls::KeyPackageMalformed', 'our key package does not parse')
  const privateKeys = {
    initPrivateKey: keys.initPrivateKey,
    hpkePrivateKey: keys.encryptionPrivateKey,
    signaturePrivateKey: keys.installationPrivateKey,
  }
  let state: ClientState
  try {
    state = await joinGroup(
      message.welcome,
      decoded[0],
      privateKeys,
      emptyPskIndex,
      cs,
      undefined,
      undefined,
      xmtpClientConfig(),
    )
  } catch (error) {
    const text = error instanceof Error ? error.message : ''
    if (/No matching secret|could not find/i.test(text)) {
      throw new MlsError('Mls::WelcomeNotForUs', 'the welcome has no secrets for our key package', {
        cause: error,
      })
    }
    throw wrapError(error, 'Mls::WelcomeDecryptFailed', 'the welcome cannot be joined')
  }
  if (state.groupContext.groupId.length !== 16) {
    throw new MlsError('Mls::InvalidArgument', 'the group id is not 16 bytes (§4.1)')
  }
  return internal.fromState(state, cs)
}

const pendingFormat = 0x01

/**
 * A pending commit as bytes, to be stored before the commit is published (libxmtp keeps the serialized
 * StagedCommit on the intent, mls-groups.md §7.2, §8.1): after a crash the commit can still be merged when it
 * is read back, or published again. Holds the post-commit group state, secrets included: store it as
 * carefully as the group itself.
 *
 * Layout: 0x01 ‖ vec(commit) ‖ u8 has-welcome ‖ vec(welcome) ‖ u32 n ‖ n × (vec(installationKey) ‖
 * vec(initKey) ‖ vec(inboxId UTF-8)) ‖ u64 base epoch ‖ vec(base confirmed transcript hash) ‖ ts-mls
 * `encodeGroupState` of the post-commit state; vec = u32 big-endian length ‖ bytes.
 * @throws {MlsError} `Mls::InvalidArgument` for a commit this library did not stage.
 */
export function encodePendingCommit(pending: PendingCommit): Uint8Array {
  const staged = pendingStates.get(pending)
  if (staged === undefined) throw new MlsError('Mls::InvalidArgument', 'not a pending commit of this library')
  const { clientConfig: _config, ...groupState } = staged.next
  const parts: Uint8Array[] = [Uint8Array.of(pendingFormat)]
  const u32 = (n: number) => {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setUint32(0, n)
    return b
  }
  const vec = (bytes: Uint8Array) => parts.push(u32(bytes.length), bytes)
  vec(pending.commit)
  parts.push(Uint8Array.of(pending.welcome === undefined ? 0 : 1))
  vec(pending.welcome ?? new Uint8Array(0))
  parts.push(u32(pending.added.length))
  for (const a of pending.added) {
    vec(a.installationKey)
    vec(a.initKey)
    vec(utf8ToBytes(a.inboxId))
  }
  const epoch = new Uint8Array(8)
  new DataView(epoch.buffer).setBigUint64(0, staged.baseEpoch)
  parts.push(epoch)
  vec(staged.baseTranscript)
  parts.push(encodeGroupState(groupState as GroupState))
  return concatBytes(...parts)
}

/**
 * Restores a pending commit from {@link encodePendingCommit}; it merges into a group that is still in the
 * epoch it was staged on.
 * @throws {MlsError} `Mls::StateMalformed` when the bytes do not decode.
 */
export function decodePendingCommit(bytes: Uint8Array): PendingCommit {
  const malformed = () => new MlsError('Mls::StateMalformed', 'the stored pending commit does not decode')
  if (bytes[0] !== pendingFormat) throw malformed()
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 1
  const u32 = () => {
    if (offset + 4 > bytes.length) throw malformed()
    const n = view.getUint32(offset)
    offset += 4
    return n
  }
  const vec = () => {
    const n = u32()
    if (offset + n > bytes.length) throw malformed()
    const out = bytes.slice(offset, offset + n)
    offset += n
    return out
  }
  const commit = vec()
  if (offset >= bytes.length) throw malformed()
  const hasWelcome = bytes[offset++] === 1
  const welcomeBytes = vec()
  const count = u32()
  const added: { installationKey: Uint8Array; initKey: Uint8Array; inboxId: string }[] = []
  for (let i = 0; i < count; i++) {
    const installationKey = vec()
    const initKey = vec()
    added.push({ installationKey, initKey, inboxId: new TextDecoder().decode(vec()) })
  }
  if (offset + 8 > bytes.length) throw malformed()
  const baseEpoch = view.getBigUint64(offset)
  offset += 8
  const baseTranscript = vec()
  let decoded: [GroupState, number] | undefined
  try {
    decoded = decodeGroupState(bytes.subarray(offset), 0)
  } catch (cause) {
    throw new MlsError('Mls::StateMalformed', 'the stored pending commit does not decode', { cause })
  }
  if (decoded === undefined || decoded[1] !== bytes.length - offset) throw malformed()
  const next: ClientState = { ...decoded[0], clientConfig: xmtpClientConfig() }
  const pending: PendingCommit = {
    commit,
    welcome: hasWelcome ? welcomeBytes : undefined,
    added,
    epoch: next.groupContext.epoch,
  }
  pendingStates.set(pending, { base: undefined, baseEpoch, baseTranscript, next })
  return pending
}
