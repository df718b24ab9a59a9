/**
 * The XMTP rules against real libxmtp 1.9.1 bytes: the group of `../shared/vectors/libxmtp-1.9.1/group-join/`
 * is joined with ts-mls (test-only use of ts-mls, to get at the GroupInfo and the decrypted commit), its
 * extensions are compared with vectors/mls-rules/extensions.libxmtp-1.9.1.json, the welcome passes
 * validateWelcome, and libxmtp's rename commit (gm-5) passes validateCommit.
 */
import { readFileSync } from 'node:fs'
import { fromHex, toHex } from '@xmtp-lite/common'
import { xmtp } from '@xmtp-lite/proto'
import {
  type ClientState,
  decodeMlsMessage,
  emptyPskIndex,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  type ProposalWithSender,
  processPrivateMessage,
} from 'ts-mls'
import { extensionTypeToNumber } from 'ts-mls/extension.js'
import { decodeKeyPackage } from 'ts-mls/keyPackage.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { type CommitProposal, validateCommit } from './commit.ts'
import { ExtensionType } from './constants.ts'
import {
  decodeMutableMetadata,
  encodeGroupPermissions,
  findExtension,
  replaceExtension,
} from './extensions.ts'
import { adminsOnlyPolicySet } from './policy.ts'
import { TestLedger } from './testLedger.ts'
import type { MemberLeaf, RawExtension } from './types.ts'
import { validateWelcome } from './welcome.ts'

const capture = (path: string) =>
  new Uint8Array(
    readFileSync(new URL(`../../../../../shared/vectors/libxmtp-1.9.1/group-join/${path}`, import.meta.url)),
  )
const oracle = JSON.parse(
  readFileSync(
    new URL('../../../../vectors/mls-rules/extensions.libxmtp-1.9.1.json', import.meta.url),
    'utf8',
  ),
) as { cases: { extensionType: number; extensionData: string; description: string }[] }

function extensionsOf(state: ClientState): RawExtension[] {
  return state.groupContext.extensions.map((e) => ({
    extensionType: extensionTypeToNumber(e.extensionType),
    extensionData: e.extensionData,
  }))
}

function leavesOf(state: ClientState): (MemberLeaf & { leafIndex: number })[] {
  const leaves: (MemberLeaf & { leafIndex: number })[] = []
  state.ratchetTree.forEach((node, i) => {
    if (node?.nodeType !== 'leaf') return
    const credential = node.leaf.credential
    if (credential.credentialType !== 'basic') throw new Error('XMTP leaves carry basic credentials')
    leaves.push({
      leafIndex: i / 2,
      inboxId: xmtp.identity.MlsCredential.decode(credential.identity).inboxId,
      installationKey: node.leaf.signaturePublicKey,
    })
  })
  return leaves
}

let epoch1: ClientState
let epoch2: ClientState
let gm5Proposals: ProposalWithSender[] = []
let gm5Sender: number | undefined

beforeAll(async () => {
  const cs = await getCiphersuiteImpl(
    getCiphersuiteFromName('MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519'),
  )
  const keys = JSON.parse(new TextDecoder().decode(capture('ts-key-package-private.json'))) as Record<
    string,
    string
  >
  const welcome = decodeMlsMessage(capture('welcome-mls.bin'), 0)?.[0]
  const keyPackage = decodeKeyPackage(capture('ts-key-package.bin'), 0)?.[0]
  if (welcome?.wireformat !== 'mls_welcome' || keyPackage === undefined)
    throw new Error('capture does not parse')
  epoch1 = await joinGroup(
    welcome.welcome,
    keyPackage,
    {
      initPrivateKey: fromHex(keys.initPrivateKey as string),
      hpkePrivateKey: fromHex(keys.hpkePrivateKey as string),
      signaturePrivateKey: fromHex(keys.signaturePrivateKey as string),
    },
    emptyPskIndex,
    cs,
  )
  const gm5 = decodeMlsMessage(capture('gm-5-commit.bin'), 0)?.[0]
  if (gm5?.wireformat !== 'mls_private_message') throw new Error('gm-5 does not parse')
  const result = await processPrivateMessage(epoch1, gm5.privateMessage, emptyPskIndex, cs, (incoming) => {
    if (incoming.kind === 'commit') {
      gm5Proposals = incoming.proposals
      gm5Sender = incoming.senderLeafIndex
    }
    return 'accept'
  })
  epoch2 = result.newState
})

/** The capture's identity facts: creator at sequence 1 and joiner at 2 (group-join/README.md, ts-identity.json). */
function captureLedger(): TestLedger {
  const [creator, joiner] = leavesOf(epoch1)
  if (creator === undefined || joiner === undefined) throw new Error('two leaves expected')
  return new TestLedger()
    .update(creator.inboxId, 1n, [creator.installationKey])
    .update(joiner.inboxId, 2n, [joiner.installationKey])
}

describe('libxmtp 1.9.1 capture', () => {
  it('the group context extensions are the ones in the oracle vector file, byte for byte', () => {
    const extensions = extensionsOf(epoch1)
    for (const c of oracle.cases.slice(0, 5)) {
      expect(
        toHex(findExtension(extensions, c.extensionType)?.extensionData ?? new Uint8Array()),
        c.description,
      ).toBe(c.extensionData)
    }
    const renamed = oracle.cases[5]
    expect(toHex(findExtension(extensionsOf(epoch2), 0xff00)?.extensionData ?? new Uint8Array())).toBe(
      renamed?.extensionData,
    )
    const joinerLeaf = epoch1.ratchetTree[2]
    if (joinerLeaf?.nodeType !== 'leaf') throw new Error('leaf expected')
    expect(toHex(joinerLeaf.leaf.extensions[0]?.extensionData ?? new Uint8Array())).toBe(
      oracle.cases[6]?.extensionData,
    )
  })

  it('the welcome passes the joiner checks, and fails when the identity state disagrees', async () => {
    const [creator, joiner] = leavesOf(epoch1)
    if (creator === undefined || joiner === undefined) throw new Error('two leaves expected')
    const params = {
      extensions: extensionsOf(epoch1),
      members: leavesOf(epoch1),
      identity: captureLedger(),
      ownInboxId: joiner.inboxId,
      senderInboxId: creator.inboxId,
    }
    const result = await validateWelcome(params)
    expect(result.membership.members.get(joiner.inboxId)).toBe(2n)
    const revoked = new TestLedger()
      .update(creator.inboxId, 1n, [creator.installationKey])
      .update(joiner.inboxId, 2n, [])
    await expect(validateWelcome({ ...params, identity: revoked })).rejects.toMatchObject({
      code: 'Mls::InvalidGroupMembership',
    })
  })

  it("libxmtp's rename commit (gm-5) passes validateCommit", async () => {
    expect(gm5Proposals).toHaveLength(1)
    const gce = gm5Proposals[0]?.proposal
    if (gce?.proposalType !== 'group_context_extensions') throw new Error('a GCE proposal expected')
    const members = leavesOf(epoch1)
    const committer = members.find((m) => m.leafIndex === gm5Sender)
    if (committer === undefined) throw new Error('committer leaf expected')
    const proposals: CommitProposal[] = [
      {
        type: 'groupContextExtensions',
        extensions: gce.groupContextExtensions.extensions.map((e) => ({
          extensionType: extensionTypeToNumber(e.extensionType),
          extensionData: e.extensionData,
        })),
      },
    ]
    const params = {
      committer: {
        type: 'member' as const,
        inboxId: committer.inboxId,
        installationKey: committer.installationKey,
      },
      proposals,
      extensionsBefore: extensionsOf(epoch1),
      extensionsAfter: extensionsOf(epoch2),
      membersBefore: members,
      membersAfter: leavesOf(epoch2),
      identity: captureLedger(),
    }
    const result = await validateCommit(params)
    expect(result.committer.isSuperAdmin).toBe(true)
    expect(result.metadataDiff.fieldChanges).toEqual([
      { field: 'group_name', oldValue: '', newValue: 'renamed by libxmtp' },
    ])
    expect(result.permissionsChanged).toBe(false)

    // The same rename under admins-only permissions, by the joiner (no admin), is refused.
    const joiner = members.find((m) => m.leafIndex !== gm5Sender)
    if (joiner === undefined) throw new Error('joiner leaf expected')
    const strict = (extensions: readonly RawExtension[]) =>
      replaceExtension(extensions, {
        extensionType: ExtensionType.GroupPermissions,
        extensionData: encodeGroupPermissions(adminsOnlyPolicySet()),
      })
    await expect(
      validateCommit({
        ...params,
        committer: { type: 'member', inboxId: joiner.inboxId, installationKey: joiner.installationKey },
        extensionsBefore: strict(params.extensionsBefore),
        extensionsAfter: strict(params.extensionsAfter),
        proposals: [],
      }),
    ).rejects.toMatchObject({ code: 'Mls::PermissionDenied' })
    expect(
      decodeMutableMetadata(
        findExtension(params.extensionsAfter, 0xff00)?.extensionData ?? new Uint8Array(),
      ).attributes.get('group_name'),
    ).toBe('renamed by libxmtp')
  })
})
