/**
 * Writes vectors/identity/identity-updates.new.json: identity updates made with this package's signers
 * from fixed keys and clocks (Ed25519 and RFC 6979 ECDSA are deterministic, so the output is stable).
 * Review the diff, then rename it over identity-updates.json.
 *
 *   node --conditions=@xmtp-lite/source --import tsx packages/identity/scripts/generate-vectors.ts
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { toHex } from '@xmtp-lite/common'
import { xmtp } from '@xmtp-lite/proto'
import { generateInboxId } from '../src/inboxId.ts'
import type { IdentityAction, IdentityUpdate, UnverifiedSignature } from '../src/model.ts'
import { identifierDisplay } from '../src/model.ts'
import { encodeIdentityUpdate } from '../src/proto.ts'
import { SignatureRequest } from '../src/request.ts'
import { type AssociationState, applyUpdate } from '../src/state.ts'
import {
  addMember,
  changeRecovery,
  installation,
  registration,
  revokeMember,
  wallet,
} from '../src/testing.fixtures.ts'
import { verifyIdentityUpdate } from '../src/verify.ts'

const A = wallet(1)
const B = wallet(2)
const C = wallet(3)
const i1 = installation(1)
const i2 = installation(2)
const i3 = installation(3)
const inboxA = generateInboxId((A.identifier as { address: string }).address, 1n)

interface Case {
  description: string
  prior: string[]
  update: string
  valid: boolean
  error?: string
  expected?: { inboxId: string; recoveryIdentifier: string; members: string[] }
}
const hex = (u: IdentityUpdate) => toHex(encodeIdentityUpdate(u))

async function expectedOf(
  prior: IdentityUpdate[],
  update: IdentityUpdate,
): Promise<NonNullable<Case['expected']>> {
  let state: AssociationState | undefined
  for (const u of [...prior, update]) state = applyUpdate(state, await verifyIdentityUpdate(u))
  const s = state as AssociationState
  return {
    inboxId: s.inboxId,
    recoveryIdentifier: identifierDisplay(s.recoveryIdentifier),
    members: [...s.members.values()].map((m) => `${m.identifier.kind}:${identifierDisplay(m.identifier)}`),
  }
}

const cases: Case[] = []
async function valid(description: string, prior: IdentityUpdate[], update: IdentityUpdate) {
  cases.push({
    description,
    prior: prior.map(hex),
    update: hex(update),
    valid: true,
    expected: await expectedOf(prior, update),
  })
}
function invalid(
  description: string,
  prior: IdentityUpdate[],
  update: IdentityUpdate | string,
  error: string,
) {
  cases.push({
    description,
    prior: prior.map(hex),
    update: typeof update === 'string' ? update : hex(update),
    valid: false,
    error,
  })
}
function withSignature(
  update: IdentityUpdate,
  index: number,
  replace: Record<string, UnverifiedSignature>,
): IdentityUpdate {
  return {
    ...update,
    actions: update.actions.map((a, i) => (i === index ? ({ ...a, ...replace } as IdentityAction) : a)),
  }
}

const reg = await registration(A, i1)
const capture = new URL(
  '../../../../shared/vectors/libxmtp-1.9.1/publish-identity-update-request.bin',
  import.meta.url,
)
const captured = xmtp.identity.api.v1.PublishIdentityUpdateRequest.decode(
  new Uint8Array(readFileSync(capture)),
)
cases.push({
  description: 'libxmtp 1.9.1 registration captured from @xmtp/node-sdk 5.5.0 (shared/vectors/libxmtp-1.9.1)',
  prior: [],
  update: toHex(xmtp.identity.associations.IdentityUpdate.encode(captured.identityUpdate).finish()),
  valid: true,
  expected: {
    inboxId: '45915bad9a857a62ceed43a7573d3eef87966c96961128c520dc1c5d6fa5d38b',
    recoveryIdentifier: '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a',
    members: [
      'ethereum:0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a',
      'installation:9812a2d17915f5cac3158d6d3800a7879f348915d021c2d963ece1a6894fb062',
    ],
  },
})
await valid('registration: CreateInbox(wallet, nonce 1) + AddAssociation(installation)', [], reg)
const addI2 = await addMember(inboxA, A, i2, 2)
await valid('the wallet adds a second installation', [reg], addI2)
const addB = await addMember(inboxA, i1, B, 3)
await valid('an installation links a second wallet', [reg, addI2], addB)
const revokeB = await revokeMember(inboxA, A, B, 4)
await valid('the recovery wallet revokes the second wallet', [reg, addI2, addB], revokeB)
const recov = await changeRecovery(inboxA, A, C.identifier as never, 5)
await valid('the recovery address moves to a wallet that is not a member', [reg], recov)
await valid(
  'the new recovery address adds an installation without being a member',
  [reg, recov],
  await addMember(inboxA, C, i3, 6),
)

const forgedCreate = (await registration(B, i1)).actions[0] as {
  initialIdentifierSignature: UnverifiedSignature
}
invalid(
  'CreateInbox signed by another wallet',
  [],
  withSignature(reg, 0, { initialIdentifierSignature: forgedCreate.initialIdentifierSignature }),
  'Identity::SignerMismatch',
)
invalid(
  'signatures over another text (timestamp changed after signing)',
  [],
  { ...reg, clientTimestampNs: reg.clientTimestampNs + 1_000_000_000n },
  'Identity::SignatureInvalid',
)
invalid('a replayed update', [reg, addI2], addI2, 'Identity::SignatureReplayed')
invalid(
  'an installation adds an installation',
  [reg],
  await addMember(inboxA, i1, i2, 7),
  'Identity::MemberNotAllowed',
)
invalid(
  'a member that is not the recovery identifier revokes',
  [reg, addB],
  await revokeMember(inboxA, B, i1, 8),
  'Identity::SignerMismatch',
)
invalid(
  'a stranger adds its installation to someone else’s inbox',
  [reg],
  await addMember(inboxA, C, i3, 9),
  'Identity::SignerMismatch',
)
const wrongInbox = new SignatureRequest({
  inboxId: generateInboxId((A.identifier as { address: string }).address, 2n),
  clientTimestampNs: reg.clientTimestampNs,
  actions: [{ kind: 'createInbox', identifier: A.identifier as never, nonce: 1n }],
})
await wrongInbox.sign(A)
invalid(
  'the actions create another inbox than the update names',
  [],
  wrongInbox.build(),
  'Identity::WrongInboxId',
)
invalid('an add before the inbox exists', [], addI2, 'Identity::NotCreated')
invalid('a second CreateInbox', [reg], await registration(A, i2, 1n, 10), 'Identity::AlreadyCreated')
invalid('malformed protobuf (truncated length)', [], '0aff', 'Identity::MalformedUpdate')
invalid('unknown IdentityAction kind (field 9)', [], '0a024a001a0178', 'Identity::UnknownAction')
invalid('unknown Signature kind (field 9)', [], '0a060a041a024a00', 'Identity::UnknownSignatureKind')

const doc = {
  description:
    'Identity updates and the association-state rules (protocol/v3-node-api-and-identity.md §4.6-4.8). Apply `prior` (hex IdentityUpdate protobufs, all valid) in order, then `update`: valid cases give `expected` (members as kind:display in insertion order); invalid ones fail with `error`.',
  generator:
    'packages/identity/scripts/generate-vectors.ts (fixed keys and clocks); the libxmtp case is a capture',
  cases,
}
writeFileSync(
  new URL('../../../vectors/identity/identity-updates.new.json', import.meta.url),
  `${JSON.stringify(doc, null, 2)}\n`,
)
console.log(`${cases.length} cases`)
