/**
 * Cost of the XMTP rules at 250 members (issue 5: adding one member to a 250-member group must be processed
 * in at most 100 ms, validation included). Baseline: the generated protobufjs decoders reading the same four
 * extensions, the least any validator must spend.
 */
import { compare } from '@xmtp-lite/bench'
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import { type CommitProposal, validateCommit } from './commit.ts'
import { ConversationType, ExtensionType } from './constants.ts'
import {
  buildGroupContextExtensions,
  buildGroupMembership,
  decodeXmtpGroupContext,
  encodeGroupMembership,
  findExtension,
  replaceExtension,
} from './extensions.ts'
import { buildGroupMetadata, buildMutableMetadata } from './metadata.ts'
import { defaultPolicySet } from './policy.ts'
import { installation, TestLedger } from './testLedger.ts'
import type { MemberLeaf } from './types.ts'

const size = 250
const ids = Array.from({ length: size + 1 }, (_, i) => i.toString(16).padStart(64, '0'))
const keys = ids.map((_, i) => {
  const key = installation(0)
  key[0] = i & 0xff
  key[1] = i >> 8
  return key
})
const ledger = new TestLedger()
for (const [i, id] of ids.entries()) ledger.update(id, 1n, [keys[i] as Uint8Array])
const creator = ids[0] as string
const members: MemberLeaf[] = ids
  .slice(0, size)
  .map((inboxId, i) => ({ inboxId, installationKey: keys[i] as Uint8Array }))
const before = buildGroupContextExtensions({
  metadata: buildGroupMetadata({ conversationType: ConversationType.Group, creatorInboxId: creator }),
  mutableMetadata: buildMutableMetadata({
    conversationType: ConversationType.Group,
    creatorInboxId: creator,
  }),
  membership: buildGroupMembership(ids.slice(0, size).map((id) => [id, 1n] as const)),
  policies: defaultPolicySet(),
})
const newcomer: MemberLeaf = { inboxId: ids[size] as string, installationKey: keys[size] as Uint8Array }
const after = replaceExtension(before, {
  extensionType: ExtensionType.GroupMembership,
  extensionData: encodeGroupMembership(buildGroupMembership(ids.map((id) => [id, 1n] as const))),
})
const proposals: CommitProposal[] = [
  { type: 'add', leaf: newcomer },
  { type: 'groupContextExtensions', extensions: after },
]
const mc = xmtp.mls.message_contents
const data = (type: number) => findExtension(before, type)?.extensionData ?? new Uint8Array()

await compare({
  title: `XMTP rules, ${size}-member group: add one member`,
  baseline: {
    name: 'protobufjs decode of the 4 extensions',
    fn: () => {
      decodeMessage(mc.GroupMetadataV1, data(ExtensionType.ImmutableMetadata).subarray(2))
      decodeMessage(mc.GroupMutableMetadataV1, data(ExtensionType.MutableMetadata))
      decodeMessage(mc.GroupMembership, data(ExtensionType.GroupMembership))
      decodeMessage(mc.GroupMutablePermissionsV1, data(ExtensionType.GroupPermissions))
    },
  },
  candidates: [
    { name: 'decodeXmtpGroupContext', fn: () => decodeXmtpGroupContext(before) },
    {
      name: 'validateCommit (add 1, membership GCE)',
      fn: () =>
        validateCommit({
          committer: { type: 'member', ...(members[0] as MemberLeaf) },
          proposals,
          extensionsBefore: before,
          extensionsAfter: after,
          membersBefore: members,
          membersAfter: [...members, newcomer],
          identity: ledger,
        }),
    },
  ],
  // A share of the 100 ms the issue allows for processing the whole add at 250 members.
  target: { maxMeanMs: 25 },
})
