/**
 * Permission presets and custom policies (mls-groups.md §4.7, §7.2) through the client, on a real
 * node-lite over gRPC: a policy changed by a super admin binds every member, whose commits the group's
 * rules refuse before anything is published (`Client::ChangeNotAllowed`).
 */
import {
  defaultPolicySet,
  MembershipBasePolicy,
  MetadataBasePolicy,
  MetadataField,
  updatePolicySet,
} from '@xmtp-lite/mls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode } from '../../test/testNode.ts'
import type { Client } from '../client.ts'
import type { Conversation } from './conversation.ts'

let net: TestNode
const install = (seed: number): Promise<Client> => net.newClient(seed)

async function view(client: Client, id: string): Promise<Conversation> {
  await client.conversations.syncWelcomes()
  const conversation = await client.conversations.get(id)
  if (conversation === undefined) throw new Error('no such conversation')
  await conversation.sync()
  return conversation
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  )

beforeAll(async () => {
  net = await TestNode.start()
})

afterAll(() => net?.close())

describe('group permissions', () => {
  it('a super admin restricts a metadata field; members are refused, admins allowed, every view agrees', async () => {
    const alice = await install(0x71)
    const bob = await install(0x72)
    const group = await alice.conversations.newGroup([bob.inboxId])
    expect(group.permissions.preset).toBe('default')
    const onBob = await view(bob, group.id)
    await onBob.updateName('named by bob')
    await group.sync()
    expect(group.name).toBe('named by bob')

    await group.updatePermission({
      slot: 'metadata',
      field: MetadataField.GroupName,
      policy: { kind: 'base', base: MetadataBasePolicy.AllowIfAdmin },
    })
    expect(group.permissions.preset).toBe('custom')
    await onBob.sync()
    expect(onBob.permissions).toEqual(group.permissions)
    const epoch = onBob.epoch
    expect(await codeOf(onBob.updateName('again by bob'))).toBe('Client::ChangeNotAllowed')
    // Only super admins change permissions (default update_permissions_policy).
    expect(
      await codeOf(
        onBob.updatePermission({
          slot: 'metadata',
          field: MetadataField.GroupName,
          policy: { kind: 'base', base: MetadataBasePolicy.Allow },
        }),
      ),
    ).toBe('Client::ChangeNotAllowed')
    await group.sync()
    expect(group.epoch).toBe(epoch)
    expect(group.name).toBe('named by bob')
    // An admin may.
    await group.addAdmin(bob.inboxId)
    await onBob.sync()
    await onBob.updateName('named by admin bob')
    await group.sync()
    expect(group.name).toBe('named by admin bob')
    // A malformed policy never becomes an intent.
    expect(
      await codeOf(group.updatePermission({ slot: 'addAdmin', policy: { kind: 'base', base: 9 as never } })),
    ).toBe('Client::InvalidArgument')
  })

  it('a group made with custom policies: only admins add members', async () => {
    const carol = await install(0x73)
    const dave = await install(0x74)
    const erin = await install(0x75)
    const policies = updatePolicySet(defaultPolicySet(), {
      slot: 'addMember',
      policy: { kind: 'base', base: MembershipBasePolicy.AllowIfAdminOrSuperAdmin },
    })
    const group = await carol.conversations.newGroup([dave.inboxId], { permissions: policies })
    expect(group.permissions).toEqual({ preset: 'custom', policies })
    const onDave = await view(dave, group.id)
    expect(onDave.permissions.policies).toEqual(policies)
    expect(await codeOf(onDave.addMembers([erin.inboxId]))).toBe('Client::ChangeNotAllowed')
    await group.addMembers([erin.inboxId])
    expect(group.members().map((m) => m.inboxId)).toContain(erin.inboxId)
    // The preset names are the presets' own policies.
    const adminsOnly = await carol.conversations.newGroup([], { permissions: 'adminsOnly' })
    expect(adminsOnly.permissions.preset).toBe('adminsOnly')
    expect(
      await codeOf(
        carol.conversations.newGroup([], {
          permissions: { ...policies, updatePermissionsPolicy: { kind: 'base', base: 7 as never } },
        }),
      ),
    ).toBe('Client::InvalidArgument')
  })
})
