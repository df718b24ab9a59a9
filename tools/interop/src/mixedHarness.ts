/**
 * What the mixed-group tests (issue 9) share: one node-lite on localhost:5556, official-SDK drivers, our
 * clients, and the convergence check. libxmtp refuses a bad commit with one log line and carries on
 * (ts-mls-libxmtp-interop.md, "Silent forks"), so every step of a mixed test ends with
 * {@link expectConverged}: same epoch, members, name, description and admin lists on every side, and no
 * refusal in libxmtp's log. Test support only: not exported from the package index.
 * @module
 */
import { Client, type Conversation, type DecodedMessage } from '@xmtp-lite/client'
import { createWalletSigner } from '@xmtp-lite/identity'
import { type RunningNode, startNode } from '@xmtp-lite/node-lite'
import { MemoryLevel } from 'memory-level'
import { expect } from 'vitest'
import { SdkDriver, type SdkGroupState, type SdkMessage } from './driver.ts'

/** The official SDK resolves inboxes on this port whatever its `apiUrl` (interop.md). */
export const sdkPort = 5556

/** libxmtp's log line when it refuses a message it read (it carries on as if nothing happened). */
const refusal = /Transaction failed|may be forked|InsufficientPermissions/
/**
 * Not a refusal: a commit made on an epoch the group had already left (an epoch race; every member drops
 * it and its author rebuilds it, mls-groups.md §8.4). libxmtp publishes before it reads (§8.2), so an
 * installation that has not synced for a while loses such races routinely. Forks still show in the epochs.
 */
const lostRace = /Message epoch differs from the group's epoch/

/** One official client: the driver process holding it and its name there. */
export interface SdkSide {
  readonly driver: SdkDriver
  readonly name: string
  readonly inboxId: string
  readonly installationId: string
}

/** Starts node-lite on port 5556 (memory storage, no rate limits). */
export function startSdkNode(): Promise<RunningNode> {
  return startNode({ memory: true, grpcPort: sdkPort, httpPort: false, rateLimits: false })
}

/**
 * Starts a driver with libxmtp's log at Info, so {@link expectConverged} can see refusals. Set
 * `XMTP_SDK_LOG_ECHO=1` to print the log too.
 */
export function startSdk(): Promise<SdkDriver> {
  return SdkDriver.start({ env: { XMTP_SDK_LOG: process.env.XMTP_SDK_LOG ?? 'Info' } })
}

/** Registers an official client in `driver`. `key` is a 32-byte private key as 64 hex digits. */
export async function officialClient(driver: SdkDriver, name: string, key: string): Promise<SdkSide> {
  const info = await driver.createClient(name, `0x${key}`)
  return { driver, name, inboxId: info.inboxId, installationId: info.installationId }
}

/** A client of ours on the node at 5556 (memory store), for a wallet seeded with `seed`. */
export function ourClient(seed: number, walletKey?: Uint8Array): Promise<Client> {
  return Client.create(createWalletSigner(walletKey ?? new Uint8Array(32).fill(seed)), {
    apiUrl: `http://127.0.0.1:${sdkPort}`,
    db: new MemoryLevel(),
    encryptionKey: new Uint8Array(32).fill(seed),
  })
}

/** The cast of the two-by-two mixed tests: two official inboxes and two of ours on one node. */
export interface MixedCast {
  readonly node: RunningNode
  readonly sdk: SdkDriver
  readonly official: SdkSide
  readonly official2: SdkSide
  readonly ours: Client
  readonly ours2: Client
  /** Closes our clients, the driver and the node. */
  close(): Promise<void>
}

/** Starts the node and a driver and registers the two-by-two cast (what mixedAdmin and mixedMembership use). */
export async function startMixedCast(): Promise<MixedCast> {
  const node = await startSdkNode()
  const opened: { close(): Promise<void> }[] = [node]
  const closeAll = async () => {
    for (const o of opened.reverse()) await o.close()
  }
  try {
    const sdk = await startSdk()
    opened.push(sdk)
    const official = await officialClient(sdk, 'official', '44'.repeat(32))
    const official2 = await officialClient(sdk, 'official2', '66'.repeat(32))
    const ours = await ourClient(0x55)
    opened.push(ours)
    const ours2 = await ourClient(0x77)
    opened.push(ours2)
    return { node, sdk, official, official2, ours, ours2, close: closeAll }
  } catch (error) {
    await closeAll()
    throw error
  }
}

/** Text contents of the official SDK's messages. */
export const sdkTexts = (messages: readonly SdkMessage[]) =>
  messages.filter((m) => m.contentType === 'xmtp.org/text:1.0').map((m) => m.content)

/** Text contents of our application messages. */
export const ourTexts = (messages: readonly DecodedMessage[]) =>
  messages.filter((m) => m.kind === 'application').map((m) => m.content)

/** The official side's group state (after a sync). */
export function sdkGroupState(side: SdkSide, groupId: string): Promise<SdkGroupState> {
  return side.driver.call('groupState', { name: side.name, conversationId: groupId })
}

/** Whether the official client is still in the group (after a sync). */
export async function sdkIsActive(side: SdkSide, groupId: string): Promise<boolean> {
  const info = await side.driver.call<{ isActive: boolean }>('conversationInfo', {
    name: side.name,
    conversationId: groupId,
  })
  return info.isActive
}

/** Our conversation and the official state agree on epoch, members, metadata and admin lists. */
export function expectSameGroup(conversation: Conversation, sdkState: SdkGroupState): void {
  expect(sdkState.maybeForked).toBe(false)
  expect({
    epoch: BigInt(sdkState.epoch),
    name: sdkState.name ?? '',
    description: sdkState.description ?? '',
    members: sdkState.members.map((m) => ({ inboxId: m.inboxId, installationIds: [...m.installationIds] })),
    admins: [...sdkState.admins],
    superAdmins: [...sdkState.superAdmins],
  }).toEqual({
    epoch: conversation.epoch,
    name: conversation.name,
    description: conversation.description,
    members: conversation.members().map((m) => ({
      inboxId: m.inboxId,
      installationIds: [...m.installationIds],
    })),
    admins: [...conversation.admins].sort(),
    superAdmins: [...conversation.superAdmins].sort(),
  })
}

/** Fails when a driver's libxmtp logged a refused message since the last check. */
export function expectNoRefusals(drivers: Iterable<SdkDriver>): void {
  for (const driver of new Set(drivers)) {
    const refused = driver.takeLogs().filter((line) => refusal.test(line) && !lostRace.test(line))
    expect(refused).toEqual([])
  }
}

/**
 * Syncs every side, then checks they all hold the same group state and that no libxmtp refused anything
 * since the last check (`allowRefusals`: a test that provokes refusals; the log is drained anyway).
 * Returns the official view.
 */
export async function expectConverged(
  groupId: string,
  ourSides: readonly Conversation[],
  sdkSides: readonly SdkSide[],
  options: { readonly allowRefusals?: boolean } = {},
): Promise<SdkGroupState> {
  for (const c of ourSides) await c.sync()
  const states: SdkGroupState[] = []
  for (const side of sdkSides) states.push(await sdkGroupState(side, groupId))
  const reference = states[0]
  if (reference === undefined) throw new Error('expectConverged needs an official-SDK side')
  for (const state of states) {
    expect({ epoch: state.epoch, members: state.members, name: state.name }).toEqual({
      epoch: reference.epoch,
      members: reference.members,
      name: reference.name,
    })
    expect(state.admins).toEqual(reference.admins)
    expect(state.superAdmins).toEqual(reference.superAdmins)
  }
  for (const c of ourSides) expectSameGroup(c, reference)
  if (options.allowRefusals !== true) expectNoRefusals(sdkSides.map((s) => s.driver))
  else for (const driver of new Set(sdkSides.map((s) => s.driver))) driver.takeLogs()
  return reference
}
