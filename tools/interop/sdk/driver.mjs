// The official-SDK driver: runs under Node 22 (the SDK's engine), holds any number of official clients
// and answers newline-delimited JSON commands on stdin: {"id":1,"op":"createClient","args":{...}}
// -> {"id":1,"ok":true,"result":...} or {"id":1,"ok":false,"error":{"name","message"}}, each reply on its
// own line after the marker below: libxmtp writes its log lines to the same stdout.
// Bytes travel as hex, 64-bit integers as decimal strings. Only tests run this file.
import { createInterface } from 'node:readline'
import { Client, encodeText, generateInboxId } from '@xmtp/node-sdk'
import { hexToBytes, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

const marker = '\u0001xmtp-driver '
const reply = (value) => process.stdout.write(`${marker}${json(value)}\n`)
const clients = new Map()
const streams = new Map()
let nextStream = 1

const json = (value) =>
  JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Uint8Array) return toHex(v)
    return v
  })

function clientOf(name) {
  const entry = clients.get(name)
  if (entry === undefined) throw new Error(`no client named ${name}`)
  return entry
}

async function conversationOf(name, conversationId) {
  const { client } = clientOf(name)
  const conversation = await client.conversations.getConversationById(conversationId)
  if (conversation === undefined) throw new Error(`${name} has no conversation ${conversationId}`)
  return conversation
}

// JSON in: {"$bytes":"<hex>"} is a Uint8Array, {"$bigint":"<decimal>"} a bigint, {"$text":"..."} the
// EncodedContent of a text (a reply's content).
function revive(value) {
  if (Array.isArray(value)) return value.map(revive)
  if (value === null || typeof value !== 'object') return value
  if (typeof value.$bytes === 'string')
    return hexToBytes(value.$bytes.startsWith('0x') ? value.$bytes : `0x${value.$bytes}`)
  if (typeof value.$bigint === 'string') return BigInt(value.$bigint)
  if (typeof value.$text === 'string') return encodeText(value.$text)
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]))
}

// The SDK's typed send methods, by content kind.
const senders = {
  text: (c, v) => c.sendText(v),
  markdown: (c, v) => c.sendMarkdown(v),
  reaction: (c, v) => c.sendReaction(v),
  reply: (c, v) => c.sendReply(v),
  readReceipt: (c) => c.sendReadReceipt(),
  attachment: (c, v) => c.sendAttachment(v),
  remoteAttachment: (c, v) => c.sendRemoteAttachment(v),
  multiRemoteAttachment: (c, v) => c.sendMultiRemoteAttachment(v),
  transactionReference: (c, v) => c.sendTransactionReference(v),
  walletSendCalls: (c, v) => c.sendWalletSendCalls(v),
  actions: (c, v) => c.sendActions(v),
  intent: (c, v) => c.sendIntent(v),
}

function describeMessage(m) {
  return {
    id: m.id,
    senderInboxId: m.senderInboxId,
    contentType: `${m.contentType.authorityId}/${m.contentType.typeId}:${m.contentType.versionMajor}.${m.contentType.versionMinor}`,
    content: typeof m.content === 'string' ? m.content : (m.content ?? null),
    fallback: m.fallback ?? null,
    kind: m.kind,
    sentAtNs: m.sentAtNs,
    conversationId: m.conversationId,
    reactions: (m.reactions ?? []).map(describeMessage),
  }
}

const ops = {
  generateInboxId: ({ address, nonce }) =>
    generateInboxId({ identifier: address.toLowerCase(), identifierKind: 0 }, BigInt(nonce ?? 1)),

  async createClient({ name, privateKey, apiUrl, nonce, deviceSync }) {
    const account = privateKeyToAccount(privateKey)
    const signer = {
      type: 'EOA',
      getIdentifier: () => ({ identifier: account.address.toLowerCase(), identifierKind: 0 }),
      signMessage: async (text) => hexToBytes(await account.signMessage({ message: text })),
    }
    const client = await Client.create(signer, {
      env: 'local',
      ...(apiUrl ? { apiUrl } : {}),
      ...(nonce !== undefined ? { nonce: BigInt(nonce) } : {}),
      dbPath: null,
      historySyncUrl: null,
      // Preference sync (consent through the sync group) needs the device-sync worker.
      disableDeviceSync: deviceSync !== true,
      // XMTP_SDK_LOG=Info shows libxmtp's refusals ("Transaction failed ..."), which it does not report.
      loggingLevel: process.env.XMTP_SDK_LOG ?? 'Off',
    })
    clients.set(name, { client, signer })
    return {
      inboxId: client.inboxId,
      installationId: client.installationId,
      address: account.address.toLowerCase(),
    }
  },

  async inboxState({ name, refresh }) {
    const { client } = clientOf(name)
    const state = refresh ? await client.preferences.fetchInboxState() : await client.preferences.inboxState()
    return {
      inboxId: state.inboxId,
      recoveryIdentifier: state.recoveryIdentifier.identifier,
      identifiers: state.identifiers.map((i) => i.identifier),
      installations: state.installations.map((i) => i.id),
    }
  },

  async sync({ name }) {
    await clientOf(name).client.conversations.sync()
    return null
  },

  async syncAll({ name }) {
    await clientOf(name).client.conversations.syncAll()
    return null
  },

  // One conversation's messages and commits read from the node (conversations.sync only lists groups).
  async syncConversation({ name, conversationId }) {
    await (await conversationOf(name, conversationId)).sync()
    return null
  },

  async listConversations({ name }) {
    const list = await clientOf(name).client.conversations.list()
    return list.map((c) => ({ id: c.id, name: 'name' in c ? c.name : null }))
  },

  // permissions: 'default' | 'adminOnly' (GroupPermissionsOptions Default 0, AdminOnly 1)
  async newGroup({ name, inboxIds, groupName, permissions }) {
    const group = await clientOf(name).client.conversations.createGroup(inboxIds, {
      ...(groupName === undefined ? {} : { groupName }),
      ...(permissions === 'adminOnly' ? { permissions: 1 } : {}),
    })
    return { id: group.id }
  },

  async newDm({ name, inboxId }) {
    const dm = await clientOf(name).client.conversations.createDm(inboxId)
    return { id: dm.id }
  },

  async sendText({ name, conversationId, text }) {
    const conversation = await conversationOf(name, conversationId)
    return { messageId: await conversation.sendText(text) }
  },

  // kind: a key of `senders`; value: the SDK's content object, JSON with the markers of `revive`.
  async sendContent({ name, conversationId, kind, value }) {
    const send = senders[kind]
    if (send === undefined) throw new Error(`no sender for ${kind}`)
    const conversation = await conversationOf(name, conversationId)
    return { messageId: await send(conversation, revive(value)) }
  },

  async messages({ name, conversationId, sync }) {
    const conversation = await conversationOf(name, conversationId)
    if (sync !== false) await conversation.sync()
    return (await conversation.messages()).map(describeMessage)
  },

  async conversationInfo({ name, conversationId, sync }) {
    const conversation = await conversationOf(name, conversationId)
    if (sync !== false) await conversation.sync()
    return { id: conversation.id, isActive: conversation.isActive }
  },

  // One message by id, as the SDK decodes it (read receipts and reactions are not listed by `messages`).
  async message({ name, messageId, conversationId }) {
    const { client } = clientOf(name)
    if (conversationId !== undefined) await (await conversationOf(name, conversationId)).sync()
    const message = client.conversations.getMessageById(messageId)
    return message === undefined ? null : describeMessage(message)
  },

  async groupState({ name, conversationId, sync }) {
    const conversation = await conversationOf(name, conversationId)
    if (sync !== false) await conversation.sync()
    const members = await conversation.members()
    const debug = await conversation.debugInfo()
    return {
      id: conversation.id,
      name: 'name' in conversation ? conversation.name : null,
      description: 'description' in conversation ? conversation.description : null,
      epoch: debug.epoch,
      maybeForked: debug.maybeForked,
      members: members
        .map((m) => ({ inboxId: m.inboxId, installationIds: [...m.installationIds].sort() }))
        .sort((a, b) => a.inboxId.localeCompare(b.inboxId)),
      admins: 'listAdmins' in conversation ? conversation.listAdmins().sort() : [],
      superAdmins: 'listSuperAdmins' in conversation ? conversation.listSuperAdmins().sort() : [],
    }
  },

  // libxmtp `leave_group`: sends a LeaveRequest; a super admin's client commits the removal later.
  async requestRemoval({ name, conversationId }) {
    const conversation = await conversationOf(name, conversationId)
    await conversation.requestRemoval()
    return { isPendingRemoval: conversation.isPendingRemoval() }
  },

  async addMembers({ name, conversationId, inboxIds }) {
    await (await conversationOf(name, conversationId)).addMembers(inboxIds)
    return null
  },

  async removeMembers({ name, conversationId, inboxIds }) {
    await (await conversationOf(name, conversationId)).removeMembers(inboxIds)
    return null
  },

  async updateName({ name, conversationId, groupName }) {
    await (await conversationOf(name, conversationId)).updateName(groupName)
    return null
  },

  async updateDescription({ name, conversationId, description }) {
    await (await conversationOf(name, conversationId)).updateDescription(description)
    return null
  },

  async updateImageUrl({ name, conversationId, imageUrl }) {
    await (await conversationOf(name, conversationId)).updateImageUrl(imageUrl)
    return null
  },

  // change: addAdmin | removeAdmin | addSuperAdmin | removeSuperAdmin
  async admin({ name, conversationId, change, inboxId }) {
    const conversation = await conversationOf(name, conversationId)
    if (!['addAdmin', 'removeAdmin', 'addSuperAdmin', 'removeSuperAdmin'].includes(change))
      throw new Error(`unknown admin change ${change}`)
    await conversation[change](inboxId)
    return null
  },

  async addAdmin({ name, conversationId, inboxId }) {
    await (await conversationOf(name, conversationId)).addAdmin(inboxId)
    return null
  },

  async streamStart({ name, conversationId }) {
    const { client } = clientOf(name)
    const source =
      conversationId === undefined
        ? await client.conversations.streamAllMessages()
        : await (await conversationOf(name, conversationId)).stream()
    const id = nextStream++
    const entry = { source, buffer: [], waiters: [] }
    streams.set(id, entry)
    ;(async () => {
      for await (const message of source) {
        entry.buffer.push(describeMessage(message))
        for (const wake of entry.waiters.splice(0)) wake()
      }
    })().catch(() => {})
    return { streamId: id }
  },

  async streamTake({ streamId, count, timeoutMs }) {
    const entry = streams.get(streamId)
    if (entry === undefined) throw new Error(`no stream ${streamId}`)
    const deadline = Date.now() + (timeoutMs ?? 10_000)
    while (entry.buffer.length < count && Date.now() < deadline) {
      await new Promise((resolve) => {
        entry.waiters.push(resolve)
        setTimeout(resolve, Math.max(1, deadline - Date.now()))
      })
    }
    return entry.buffer.splice(0, count)
  },

  async streamStop({ streamId }) {
    const entry = streams.get(streamId)
    streams.delete(streamId)
    await entry?.source.end()
    return null
  },

  async updateDisappearing({ name, conversationId, fromNs, inNs }) {
    await (await conversationOf(name, conversationId)).updateMessageDisappearingSettings(
      BigInt(fromNs),
      BigInt(inNs),
    )
    return null
  },

  async disappearing({ name, conversationId, sync }) {
    const conversation = await conversationOf(name, conversationId)
    if (sync !== false) await conversation.sync()
    const settings = conversation.messageDisappearingSettings() ?? null
    return {
      enabled: conversation.isMessageDisappearingEnabled(),
      fromNs: settings === null ? null : String(settings.fromNs),
      inNs: settings === null ? null : String(settings.inNs),
    }
  },

  // Consent: entityType 0 = group id, 1 = inbox id; state 0 unknown, 1 allowed, 2 denied (node-bindings enums).
  async setConsent({ name, entityType, entity, state }) {
    await clientOf(name).client.preferences.setConsentStates([{ entityType, entity, state }])
    return null
  },

  async getConsent({ name, entityType, entity }) {
    return clientOf(name).client.preferences.getConsentState(entityType, entity)
  },

  async syncPreferences({ name }) {
    await clientOf(name).client.preferences.sync()
    return null
  },

  async revokeInstallations({ name, installationIds }) {
    await clientOf(name).client.revokeInstallations(installationIds.map((id) => hexToBytes(`0x${id}`)))
    return null
  },
}

const rl = createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  let id = null
  try {
    const command = JSON.parse(line)
    id = command.id
    const op = ops[command.op]
    if (op === undefined) throw new Error(`unknown op ${command.op}`)
    const result = await op(command.args ?? {})
    reply({ id, ok: true, result })
  } catch (error) {
    reply({
      id,
      ok: false,
      error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) },
    })
  }
})
rl.on('close', () => process.exit(0))
reply({ id: 0, ok: true, result: { ready: true, node: process.version } })
