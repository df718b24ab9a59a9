/**
 * The real validators behind the node's ports (ports.ts): identity updates through the identity ledger's
 * verifier and association-state rules (`@xmtp-lite/identity`, §3.10/§4.8), key packages through
 * `@xmtp-lite/mls/validation` (libxmtp's `VerifiedKeyPackageV2` rules, §3.5).
 *
 * Both libraries are loaded on first use (or by {@link preloadValidators}), not when the node starts: they
 * are most of the node's import graph (ts-mls, viem), and a node is up and serving before anyone uploads a
 * key package or an identity update.
 * @module
 */
import type { AssociationState, SignatureCache, SmartContractWalletVerifier } from '@xmtp-lite/identity'
import { NodeError } from './errors.ts'
import type { IdentityValidator, KeyPackageValidator, ScwVerifier } from './ports.ts'

type IdentityModule = typeof import('@xmtp-lite/identity')
let identityModule: Promise<IdentityModule> | undefined
let mlsValidationModule: Promise<typeof import('@xmtp-lite/mls/validation')> | undefined

function loadIdentity(): Promise<IdentityModule> {
  identityModule ??= import('@xmtp-lite/identity')
  return identityModule
}

function loadMlsValidation(): Promise<typeof import('@xmtp-lite/mls/validation')> {
  mlsValidationModule ??= import('@xmtp-lite/mls/validation')
  return mlsValidationModule
}

/** Loads the validators' libraries now (once a node is up, so that the first upload does not wait). */
export async function preloadValidators(): Promise<void> {
  await Promise.all([loadIdentity(), loadMlsValidation()])
}

/** Options of {@link mlsKeyPackageValidator}. */
export interface MlsKeyPackageValidatorOptions {
  /** The clock for lifetime checks, in Unix seconds (tests pin it inside a captured package's lifetime). */
  readonly nowSeconds?: () => bigint
}

/** Key-package validation by `@xmtp-lite/mls/validation`. */
export function mlsKeyPackageValidator(options: MlsKeyPackageValidatorOptions = {}): KeyPackageValidator {
  return {
    async validateKeyPackage(keyPackage) {
      const { validateKeyPackage } = await loadMlsValidation()
      const now = options.nowSeconds?.()
      const v = await validateKeyPackage(keyPackage, now === undefined ? {} : { now })
      return { installationKey: v.installationKey, inboxId: v.inboxId }
    },
  }
}

/** Options of {@link ledgerIdentityValidator}. */
export interface LedgerIdentityValidatorOptions {
  /** Checks ERC-1271/6492 signatures; without it updates carrying one are refused. */
  readonly scwVerifier?: SmartContractWalletVerifier
  /**
   * Successful signature verifications to reuse (default: a bounded cache of 10,000). Re-validating a
   * log then re-applies every rule but verifies only the new signatures.
   */
  readonly cache?: SignatureCache
}

/**
 * Identity-update validation as node-go's `GetAssociationState(old, [new])`: every stored update of the
 * inbox is verified and replayed from the start, then the new one; the result's diff gives the Ethereum
 * addresses to index (§3.10 steps 4-6).
 */
export function ledgerIdentityValidator(options: LedgerIdentityValidatorOptions = {}): IdentityValidator {
  let cache = options.cache
  return {
    async validateIdentityUpdate({ inboxId, log, update }) {
      const identity = await loadIdentity()
      const { applyUpdate, verifyBatch } = identity
      cache ??= identity.createSignatureCache()
      const verify = {
        cache,
        ...(options.scwVerifier === undefined ? {} : { scwVerifier: options.scwVerifier }),
      }
      // The stored log's signatures and the new update's are verified as one batch (the signatures the
      // cache does not hold, on the identity verification workers when there are enough: a node that
      // restarted, or an inbox it has not validated since), then every update is applied in order, so the
      // first failure in log order is the one reported, as when verifying update by update.
      const batch = await verifyBatch([...log, update], verify)
      const verified = async (i: number) => {
        try {
          return await batch.get(i)
        } catch (error) {
          throw scwRefusal(identity, error) ?? error
        }
      }
      let state: AssociationState | undefined
      for (let i = 0; i < log.length; i++) state = applyUpdate(state, await verified(i))
      const parsed = batch.update(log.length)
      if (parsed.inboxId !== inboxId) throw new Error('the update names another inbox')
      const next = applyUpdate(state, await verified(log.length))
      const diff = identity.diffStates(state, next)
      const addresses = (members: typeof diff.newMembers) =>
        members.flatMap((m) => (m.kind === 'ethereum' ? [m.address] : []))
      return { addedAddresses: addresses(diff.newMembers), removedAddresses: addresses(diff.removedMembers) }
    },
  }
}

/**
 * The node's refusal when a smart-contract-wallet signature cannot be checked here: no RPC for its chain
 * (`Node::ScwChainNotConfigured`), or the RPC failed (`Node::ScwRpcFailed`, retryable). A signature the
 * chain says is invalid stays an invalid update.
 */
function scwRefusal(identity: IdentityModule, error: unknown): NodeError | undefined {
  if (!(error instanceof identity.IdentityError)) return undefined
  const options = { cause: error, details: error.message }
  switch (error.code) {
    case 'Identity::ScwVerifierMissing':
    case 'Identity::ScwChainUnsupported':
      return new NodeError(
        'Node::ScwChainNotConfigured',
        'no chain RPC is configured for this smart-contract-wallet signature',
        options,
      )
    case 'Identity::ScwRpcFailed':
      return new NodeError('Node::ScwRpcFailed', 'the chain RPC failed', options)
    default:
      return undefined
  }
}

/**
 * Parses a chain map as the CLI and {@link StartNodeParams} take it: keys `<id>` or CAIP-2 `eip155:<id>`,
 * values http(s) JSON-RPC URLs.
 * @throws NodeError `Node::InvalidArgument` on a bad key or URL.
 */
export function parseChainRpcUrls(chains: Readonly<Record<string, string>>): Map<bigint, string> {
  const out = new Map<bigint, string>()
  for (const [key, url] of Object.entries(chains)) {
    const id = /^(?:eip155:)?([1-9][0-9]{0,19})$/.exec(key)?.[1]
    if (id === undefined) throw new NodeError('Node::InvalidArgument', `bad chain id ${JSON.stringify(key)}`)
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new NodeError('Node::InvalidArgument', `bad RPC URL for chain ${id}`)
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new NodeError('Node::InvalidArgument', `the RPC URL for chain ${id} must be http(s)`)
    }
    out.set(BigInt(id), url)
  }
  return out
}

/**
 * Both smart-contract-wallet verifiers of a node from one chain map: the one the identity ledger uses
 * while validating updates, and the one behind the `VerifySmartContractWalletSignatures` rpc.
 */
export function rpcScwVerifiers(chains: ReadonlyMap<bigint, string>): {
  readonly ledger: SmartContractWalletVerifier
  readonly rpc: ScwVerifier
} {
  const made = loadIdentity().then((identity) => identity.createRpcScwVerifier({ chains }))
  made.catch(() => {}) // a failed load is reported by the first verification
  const ledger: SmartContractWalletVerifier = { verify: async (params) => (await made).verify(params) }
  return {
    ledger,
    rpc: {
      async verify(request) {
        const { chainId, address } = (await loadIdentity()).parseAccountId(request.accountId)
        const result = await ledger.verify({
          chainId,
          address,
          hash: request.hash,
          signature: request.signature,
          blockNumber: request.blockNumber,
        })
        return { isValid: result.isValid, blockNumber: result.blockNumber, error: undefined }
      },
    },
  }
}
