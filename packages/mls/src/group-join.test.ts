/**
 * Replays the offline capture `../shared/vectors/libxmtp-1.9.1/group-join/` through our API: a libxmtp
 * 1.9.1 group joined by a ts-mls installation. The expected results are the ones its README lists.
 */
import { fromHex, isBaseError, toHex } from '@xmtp-lite/common'
import { xmtp } from '@xmtp-lite/proto'
import { describe, expect, it } from 'vitest'
import { MlsGroup, type ReceivedMessage } from './group.ts'
import { libxmtpCapture } from './test-fixtures/shared.ts'
import { unwrapWelcome } from './welcome.ts'

const keys = JSON.parse(
  new TextDecoder().decode(libxmtpCapture('group-join/ts-key-package-private.json')),
) as {
  initPrivateKey: string
  hpkePrivateKey: string
  signaturePrivateKey: string
}
const identity = JSON.parse(new TextDecoder().decode(libxmtpCapture('group-join/ts-identity.json'))) as {
  inboxId: string
  installationPublicKey: string
}

async function joinCapture(): Promise<MlsGroup> {
  const { welcome } = await unwrapWelcome(
    libxmtpCapture('group-join/welcome-wrapped-data.bin'),
    libxmtpCapture('group-join/welcome-metadata-ct.bin'),
    fromHex(keys.initPrivateKey),
  )
  return MlsGroup.join(welcome, {
    keyPackage: libxmtpCapture('group-join/ts-key-package.bin'),
    initPrivateKey: fromHex(keys.initPrivateKey),
    encryptionPrivateKey: fromHex(keys.hpkePrivateKey),
    installationPrivateKey: fromHex(keys.signaturePrivateKey),
  })
}

function text(message: ReceivedMessage): string {
  if (message.kind !== 'application') throw new Error('expected an application message')
  const encoded = xmtp.mls.message_contents.EncodedContent.decode(message.content)
  expect(encoded.type?.authorityId).toBe('xmtp.org')
  expect(encoded.type?.typeId).toBe('text')
  expect(encoded.type?.versionMajor).toBe(1)
  expect(encoded.parameters.encoding).toBe('UTF-8')
  return new TextDecoder().decode(encoded.content)
}

describe('libxmtp 1.9.1 group-join capture', () => {
  it('1. unwraps the welcome and its metadata from one HPKE context', async () => {
    const result = await unwrapWelcome(
      libxmtpCapture('group-join/welcome-wrapped-data.bin'),
      libxmtpCapture('group-join/welcome-metadata-ct.bin'),
      fromHex(keys.initPrivateKey),
    )
    expect(toHex(result.welcome)).toBe(toHex(libxmtpCapture('group-join/welcome-mls.bin')))
    expect(result.messageCursor).toBe(1n)
  })

  it('2. joins at epoch 1 with the group id, two leaves and the XMTP extensions', async () => {
    const group = await joinCapture()
    expect(group.epoch).toBe(1n)
    expect(toHex(group.groupId)).toBe('8985c1f37638a2b8ebd693c7ae3bbc5c')
    const members = group.members()
    expect(members).toHaveLength(2)
    const self = members.find((m) => m.leafIndex === group.ownLeafIndex)
    expect(self?.inboxId).toBe(identity.inboxId)
    expect(toHex(self?.installationKey ?? new Uint8Array())).toBe(identity.installationPublicKey)
    // gm-1's membership GCE re-wrote 0xff01, which OpenMLS then lists last.
    expect(group.extensions().map((e) => e.extensionType)).toEqual([0xf000, 0xff00, 0xff02, 0x0003, 0xff01])
    expect(toHex(group.extension(0x0003) ?? new Uint8Array())).toBe('0cff01ff00ff02f000000a0001020007020001')
    expect(group.extension(0xff02)?.length).toBe(212)
    // 0xF000: a 2-byte inner length prefix (varint), then GroupMetadataV1 (§4.3).
    const f000 = group.extension(0xf000) ?? new Uint8Array()
    const metadata = xmtp.mls.message_contents.GroupMetadataV1.decode(f000.subarray(2))
    expect(((f000[0] as number) & 0x3f) * 256 + (f000[1] as number)).toBe(f000.length - 2)
    expect(metadata.conversationType).toBe(1)
    expect(metadata.creatorInboxId.startsWith('beae85ee')).toBe(true)
    expect(metadata.creatorInboxId.endsWith('f17e')).toBe(true)
    const membership = xmtp.mls.message_contents.GroupMembership.decode(
      group.extension(0xff01) ?? new Uint8Array(),
    )
    expect(Number(membership.members[metadata.creatorInboxId])).toBe(1)
    expect(Number(membership.members[identity.inboxId])).toBe(2)
    const mutable = xmtp.mls.message_contents.GroupMutableMetadataV1.decode(
      group.extension(0xff00) ?? new Uint8Array(),
    )
    expect(mutable.attributes.group_name).toBe('')
    expect(mutable.superAdminList.inboxIds).toEqual([metadata.creatorInboxId])
    expect(mutable.adminList.inboxIds).toEqual([])
  })

  it('3-4. decrypts both libxmtp texts, then applies the rename to epoch 2', async () => {
    const group = await joinCapture()
    const creator = group.members().find((m) => m.leafIndex !== group.ownLeafIndex)
    // gm-1 created epoch 1, which we joined: it is from an epoch we never had.
    try {
      await group.processMessage(libxmtpCapture('group-join/gm-1-commit.bin'))
      expect.unreachable('gm-1 must be rejected')
    } catch (error) {
      expect(isBaseError(error, 'Mls::WrongEpoch')).toBe(true)
    }
    expect(group.epoch).toBe(1n)
    const m2 = await group.processMessage(libxmtpCapture('group-join/gm-2-app.bin'))
    expect(text(m2)).toBe('hello from libxmtp')
    if (m2.kind !== 'application') throw new Error('unreachable')
    expect(m2.sender.inboxId).toBe(creator?.inboxId)
    expect(m2.messageId).toHaveLength(32)
    const m3 = await group.processMessage(libxmtpCapture('group-join/gm-3-app.bin'))
    expect(text(m3)).toBe('second message from libxmtp')
    const m5 = await group.processMessage(libxmtpCapture('group-join/gm-5-commit.bin'))
    expect(m5.kind).toBe('commit')
    if (m5.kind !== 'commit') throw new Error('unreachable')
    expect(m5.epoch).toBe(2n)
    expect(m5.extensionsChanged).toBe(true)
    expect(group.epoch).toBe(2n)
    const mutable = xmtp.mls.message_contents.GroupMutableMetadataV1.decode(
      group.extension(0xff00) ?? new Uint8Array(),
    )
    expect(mutable.attributes.group_name).toBe('renamed by libxmtp')
  })

  it('rejects a replay of a decrypted message and a welcome wrap opened with the wrong key', async () => {
    const group = await joinCapture()
    await group.processMessage(libxmtpCapture('group-join/gm-2-app.bin'))
    await expect(group.processMessage(libxmtpCapture('group-join/gm-2-app.bin'))).rejects.toSatisfy((e) =>
      isBaseError(e),
    )
    await expect(
      unwrapWelcome(
        libxmtpCapture('group-join/welcome-wrapped-data.bin'),
        new Uint8Array(),
        fromHex(keys.hpkePrivateKey),
      ),
    ).rejects.toSatisfy((e) => isBaseError(e, 'Mls::WelcomeDecryptFailed'))
  })
})
