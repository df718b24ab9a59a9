/**
 * OpenMLS's rule for GroupContextExtensions proposals (since openmls 0.6, libxmtp's engine;
 * `validate_group_context_extensions_proposal` → `ExtensionNotInRequiredCapabilities`): every non-default
 * extension must be listed in the proposal's own required_capabilities. ts-mls does not check it, so a
 * GCE commit libxmtp rejects would fork us from libxmtp; found while building tools/openmls-check.
 */
import { createCommit, encodeMlsMessage } from 'ts-mls'
import { describe, expect, it } from 'vitest'
import { internal, MlsGroup } from './group.ts'
import { createKeyPackage } from './key-package.ts'
import { encodeRequiredCapabilities } from './xmtp/extensions.ts'

const alice = { inboxId: 'a1'.repeat(32), installationPrivateKey: new Uint8Array(32).fill(41) }
const bob = { inboxId: 'b2'.repeat(32), installationPrivateKey: new Uint8Array(32).fill(42) }

const requiring = (extensionTypes: number[]) => ({
  extensionType: 0x0003,
  extensionData: encodeRequiredCapabilities({ extensionTypes, proposalTypes: [], credentialTypes: [] }),
})
const metadata = { extensionType: 0xff00, extensionData: new Uint8Array([1, 2, 3]) }

async function pair(): Promise<[MlsGroup, MlsGroup]> {
  const a = await MlsGroup.create({ identity: alice, extensions: [] })
  const kp = await createKeyPackage(bob)
  const add = await a.commit({ add: [kp.keyPackage] })
  a.merge(add)
  const b = await MlsGroup.join(add.welcome as Uint8Array, {
    keyPackage: kp.keyPackage,
    initPrivateKey: kp.initPrivateKey,
    encryptionPrivateKey: kp.encryptionPrivateKey,
    installationPrivateKey: bob.installationPrivateKey,
  })
  return [a, b]
}

describe('group-context extensions not listed in required_capabilities', () => {
  it('are refused when we build the commit, and accepted once listed', async () => {
    const [a, b] = await pair()
    await expect(a.commit({ extensions: [metadata] })).rejects.toMatchObject({
      code: 'Mls::InvalidArgument',
      details: 'extension 0xff00 is not in required_capabilities',
    })
    await expect(a.commit({ extensions: [requiring([]), metadata] })).rejects.toMatchObject({
      code: 'Mls::InvalidArgument',
    })
    // Default types need no listing; a listed 0xff00 is fine.
    const listed = await a.commit({ extensions: [metadata, requiring([0xff00])] })
    expect(await b.processMessage(listed.commit)).toMatchObject({ kind: 'commit', extensionsChanged: true })
    a.merge(listed)
    expect(b.extension(0xff00)).toEqual(metadata.extensionData)
  })

  it('are refused in an incoming commit, leaving the group as it was', async () => {
    const [a, b] = await pair()
    // Alice's ts-mls state builds the commit our commit() refuses to build.
    const forged = await createCommit(
      { state: internal.state(a), cipherSuite: internal.suite(a) },
      {
        extraProposals: [
          { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: [metadata] } },
        ],
        ratchetTreeExtension: true,
      },
    )
    const epoch = b.epoch
    await expect(b.processMessage(encodeMlsMessage(forged.commit))).rejects.toMatchObject({
      code: 'Mls::InvalidCommit',
      details: 'extension 0xff00 is not in required_capabilities',
    })
    expect(b.epoch).toBe(epoch)
    expect(b.extensions()).toEqual([])
    // The group still works: a valid commit from Alice goes through.
    const update = await a.selfUpdate()
    expect(await b.processMessage(update.commit)).toMatchObject({ kind: 'commit', epoch: epoch + 1n })
  })
})
