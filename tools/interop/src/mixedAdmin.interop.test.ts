/**
 * Issue 9, admin changes and permission denials between our client and the official SDK (libxmtp 1.9.1).
 *
 * Admin and super-admin lists live in the mutable-metadata extension; each change is a GroupContextExtensions
 * commit checked by every member against the group's policies (mls-groups.md §7.2, §7.3 step 14). A denial
 * must be refused by the other implementation with the state left untouched: libxmtp publishes a refused
 * commit of its own and drops it when it reads it back (§8.3), so its denied commits really reach our
 * client; ours checks its commits before publishing (`Client::ChangeNotAllowed`), so the test also
 * publishes the same forbidden commit by hand, as a misbehaving client would, to show libxmtp refusing it.
 */
import type { Conversation } from '@xmtp-lite/client'
import { isBaseError } from '@xmtp-lite/common'
import {
  applyMutableMetadataChange,
  decodeGroupMembership,
  decodeMutableMetadata,
  ExtensionType,
  encodeGroupMembership,
  encodeMutableMetadata,
  MetadataField,
  replaceExtension,
} from '@xmtp-lite/mls'
import { describe, expect, it } from 'vitest'
import {
  expectConverged,
  groupOfFour,
  type SdkSide,
  sdkGroupState,
  twoByTwo,
  useCast,
} from './mixedHarness.ts'

const cast = useCast(twoByTwo)

type AdminChange = 'addAdmin' | 'removeAdmin' | 'addSuperAdmin' | 'removeSuperAdmin'

const sdkAdmin = (side: SdkSide, groupId: string, change: AdminChange, inboxId: string) =>
  side.driver.call('admin', { name: side.name, conversationId: groupId, change, inboxId })

/** How many messages the node holds for a group: shows a refused commit really was published. */
async function published(groupId: Uint8Array): Promise<number> {
  return (await cast.ours.api.queryGroupMessages(groupId)).length
}

/** The error code of a rejected promise (its cause's too), or 'resolved'. */
async function codes(run: Promise<unknown>): Promise<string[]> {
  try {
    await run
    return ['resolved']
  } catch (error) {
    const out = [isBaseError(error) ? error.code : String(error)]
    const cause = (error as { cause?: unknown }).cause
    if (isBaseError(cause)) out.push(cause.code)
    return out
  }
}

/** Publishes a commit our client would refuse to make, straight from its MLS group (a misbehaving client). */
async function publishForbidden(
  conversation: Conversation,
  change: { remove: string } | { rename: string },
): Promise<void> {
  const group = conversation.mlsGroup
  const extensions = group.extensions()
  const pending =
    'remove' in change
      ? await group.commit({
          remove: group
            .members()
            .filter((m) => m.inboxId === change.remove)
            .map((m) => m.installationKey),
          extensions: replaceExtension(extensions, {
            extensionType: ExtensionType.GroupMembership,
            extensionData: encodeGroupMembership(
              (() => {
                const membership = decodeGroupMembership(
                  group.extension(ExtensionType.GroupMembership) ?? new Uint8Array(),
                )
                const members = new Map(membership.members)
                members.delete(change.remove)
                return { members, failedInstallations: membership.failedInstallations }
              })(),
            ),
          }),
        })
      : await group.commit({
          extensions: replaceExtension(extensions, {
            extensionType: ExtensionType.MutableMetadata,
            extensionData: encodeMutableMetadata(
              applyMutableMetadataChange(
                decodeMutableMetadata(group.extension(ExtensionType.MutableMetadata) ?? new Uint8Array()),
                { type: 'setAttribute', field: MetadataField.GroupName, value: change.rename },
              ),
            ),
          }),
        })
  await cast.ours.api.sendGroupMessages([{ data: pending.commit }])
}

describe('admin changes in mixed groups', () => {
  it('admins and super admins added and removed from both sides; every side agrees after each', async () => {
    const { group, ours2Group: theirs } = await groupOfFour(cast, { name: 'admins' })
    const sides = [group, theirs]
    const officials = [cast.official, cast.official2]
    let state = await expectConverged(group.id, sides, officials)
    expect(state.superAdmins).toEqual([cast.ours.inboxId])
    expect(state.admins).toEqual([])

    await group.addAdmin(cast.official.inboxId)
    state = await expectConverged(group.id, sides, officials)
    expect(state.admins).toEqual([cast.official.inboxId])

    await group.addSuperAdmin(cast.official.inboxId)
    state = await expectConverged(group.id, sides, officials)
    expect(state.superAdmins).toEqual([cast.ours.inboxId, cast.official.inboxId].sort())

    // libxmtp, now a super admin, changes lists our client checks.
    await sdkAdmin(cast.official, group.id, 'addAdmin', cast.ours2.inboxId)
    state = await expectConverged(group.id, sides, officials)
    expect(state.admins).toEqual([cast.official.inboxId, cast.ours2.inboxId].sort())
    expect(theirs.admins).toContain(cast.ours2.inboxId)

    await sdkAdmin(cast.official, group.id, 'removeAdmin', cast.official.inboxId)
    state = await expectConverged(group.id, sides, officials)
    expect(state.admins).toEqual([cast.ours2.inboxId])

    await sdkAdmin(cast.official, group.id, 'removeSuperAdmin', cast.ours.inboxId)
    state = await expectConverged(group.id, sides, officials)
    expect(state.superAdmins).toEqual([cast.official.inboxId])
    expect(group.superAdmins).toEqual([cast.official.inboxId])

    await sdkAdmin(cast.official, group.id, 'addSuperAdmin', cast.ours.inboxId)
    state = await expectConverged(group.id, sides, officials)
    expect(state.superAdmins).toEqual([cast.ours.inboxId, cast.official.inboxId].sort())

    // Our admin (ours2, not a super admin) removes a libxmtp member under the default policy (admins remove),
    // and libxmtp's super admin may not be removed by anyone (§7.3 step 14).
    await theirs.removeMembers([cast.official2.inboxId])
    state = await expectConverged(group.id, sides, [cast.official])
    expect(state.members.map((m) => m.inboxId)).not.toContain(cast.official2.inboxId)
    expect(await codes(theirs.removeMembers([cast.official.inboxId]))).toEqual([
      'Client::ChangeNotAllowed',
      'Mls::SuperAdminRemoved',
    ])
    await expectConverged(group.id, sides, [cast.official])
  })

  it('a demoted admin is refused by the other side once the demotion is merged', async () => {
    const created = await cast.sdk.call<{ id: string }>('newGroup', {
      name: cast.official.name,
      inboxIds: [cast.ours.inboxId, cast.official2.inboxId],
      permissions: 'adminOnly',
    })
    const [mine] = await cast.ours.conversations.syncWelcomes()
    if (mine === undefined) throw new Error('no welcome for ours')
    await cast.sdk.call('sync', { name: cast.official2.name })
    await sdkAdmin(cast.official, created.id, 'addAdmin', cast.ours.inboxId)
    await expectConverged(created.id, [mine], [cast.official, cast.official2])
    expect(mine.admins).toEqual([cast.ours.inboxId])
    // As an admin we may rename under admin-only metadata rules.
    await mine.updateName('renamed by our admin')
    let state = await expectConverged(created.id, [mine], [cast.official, cast.official2])
    expect(state.name).toBe('renamed by our admin')
    // Demoted, we may not: our client refuses before publishing, and state is unchanged everywhere.
    await sdkAdmin(cast.official, created.id, 'removeAdmin', cast.ours.inboxId)
    await mine.sync()
    expect(await codes(mine.updateName('after demotion'))).toEqual([
      'Client::ChangeNotAllowed',
      'Mls::PermissionDenied',
    ])
    state = await expectConverged(created.id, [mine], [cast.official, cast.official2])
    expect(state.name).toBe('renamed by our admin')
    expect(state.admins).toEqual([])
  })
})

describe('permission denials in mixed groups', () => {
  it("libxmtp's forbidden commits reach our client and are refused: state untouched on every side", async () => {
    const { group, ours2Group: theirs } = await groupOfFour(cast, {
      name: 'admins only',
      permissions: 'adminsOnly',
    })
    const before = await expectConverged(group.id, [group, theirs], [cast.official, cast.official2])

    const denials = [
      ['removeMembers', { inboxIds: [cast.ours2.inboxId] }],
      ['removeMembers', { inboxIds: [cast.official2.inboxId] }],
      ['updateName', { groupName: 'not yours to rename' }],
      ['admin', { change: 'addAdmin', inboxId: cast.official.inboxId }],
      ['admin', { change: 'addSuperAdmin', inboxId: cast.official.inboxId }],
    ] as const
    for (const [op, args] of denials) {
      const count = await published(group.groupId)
      // libxmtp publishes the commit, then refuses it itself when it reads it back (the call fails).
      await expect(
        cast.sdk.call(op, { name: cast.official.name, conversationId: group.id, ...args }),
      ).rejects.toThrow()
      expect(await published(group.groupId)).toBe(count + 1)
      const after = await expectConverged(group.id, [group, theirs], [cast.official, cast.official2], {
        allowRefusals: true,
      })
      expect(after).toEqual(before)
    }
    // The group still works for everyone.
    await cast.sdk.call('sendText', {
      name: cast.official.name,
      conversationId: group.id,
      text: 'still friends',
    })
    await theirs.sync()
    expect((await theirs.messages()).map((m) => m.content)).toContain('still friends')
  })

  it('our forbidden changes: refused by our client before publishing, and by libxmtp when forced', async () => {
    const created = await cast.sdk.call<{ id: string }>('newGroup', {
      name: cast.official.name,
      inboxIds: [cast.ours.inboxId, cast.official2.inboxId],
      groupName: 'libxmtp rules',
      permissions: 'adminOnly',
    })
    const [mine] = await cast.ours.conversations.syncWelcomes()
    if (mine === undefined) throw new Error('no welcome for ours')
    await cast.sdk.call('sync', { name: cast.official2.name })
    const before = await expectConverged(created.id, [mine], [cast.official, cast.official2])

    const count = await published(mine.groupId)
    for (const attempt of [
      () => mine.removeMembers([cast.official2.inboxId]),
      () => mine.updateName('not ours to rename'),
      () => mine.addAdmin(cast.ours.inboxId),
      () => mine.addSuperAdmin(cast.ours.inboxId),
      () => mine.removeSuperAdmin(cast.official.inboxId),
    ]) {
      const [code, cause] = await codes(attempt())
      expect(code).toBe('Client::ChangeNotAllowed')
      expect(cause).toMatch(/^Mls::(PermissionDenied|LastSuperAdmin)$/)
    }
    expect(await published(mine.groupId)).toBe(count)
    expect(await expectConverged(created.id, [mine], [cast.official, cast.official2])).toEqual(before)
    expect((await mine.intents()).filter((i) => i.state === 'Error')).toHaveLength(5)

    // Forced onto the network, the same commits are refused by libxmtp (and skipped by our own client).
    for (const change of [{ remove: cast.official2.inboxId }, { rename: 'forced rename' }]) {
      await publishForbidden(mine, change)
      expect(await published(mine.groupId)).toBeGreaterThan(count)
      for (const side of [cast.official, cast.official2]) await sdkGroupState(side, created.id)
      const refusals = cast.sdk
        .takeLogs()
        .filter((line) => /Policy .*failed|InsufficientPermissions/.test(line))
      expect(refusals.length).toBeGreaterThanOrEqual(2)
      expect(await expectConverged(created.id, [mine], [cast.official, cast.official2])).toEqual(before)
    }
    await mine.sendText('behaving again')
    const theirs = await cast.sdk.call<{ content: unknown }[]>('messages', {
      name: cast.official2.name,
      conversationId: created.id,
    })
    expect(theirs.map((m) => m.content)).toContain('behaving again')
  })
})
