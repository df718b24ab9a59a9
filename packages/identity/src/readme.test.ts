/** The README's usage example, run as written (with fixed keys). */
import { describe, expect, it } from 'vitest'
import {
  createInboxRequest,
  createInstallationKeySigner,
  createMemoryLedgerStorage,
  createWalletSigner,
  encodeIdentityUpdate,
  generateInboxId,
  IdentityLedger,
} from './index.ts'

const walletPrivateKey = new Uint8Array(32).fill(0x44)
const installationSeed = new Uint8Array(32).fill(0x45)

describe('README usage', () => {
  it('registers an inbox and reads it back from a ledger', async () => {
    const wallet = createWalletSigner(walletPrivateKey)
    const installation = createInstallationKeySigner(installationSeed)
    const request = createInboxRequest({
      identifier: wallet.identifier,
      nonce: 1n,
      installationPublicKey: installation.publicKey,
      clientTimestampNs: 1_767_225_600_000_000_000n,
    })
    expect(request.text.startsWith('XMTP : Authenticate to inbox\n\nInbox ID: ')).toBe(true)
    await request.sign(installation)
    await request.sign(wallet)
    const update = request.build()
    const bytes = encodeIdentityUpdate(update)

    const ledger = new IdentityLedger({ storage: createMemoryLedgerStorage() })
    const { state, diff } = await ledger.append(bytes, { sequenceId: 1n, serverTimestampNs: 0n })
    expect(state.inboxId).toBe(generateInboxId(wallet.identifier, 1n))
    expect(diff.newMembers).toHaveLength(2)
    expect(await ledger.wasInstallationMember(state.inboxId, installation.publicKey, 1n)).toBe(true)
    expect(await ledger.getInboxIdForAddress(wallet.identifier.address)).toBe(state.inboxId)
  })
})
