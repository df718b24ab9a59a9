/**
 * A minimal private builder of XMTP's group-context extensions for this package's tests, on the committed
 * protobuf schemas (`@xmtp-lite/proto`). The real codecs live in `src/xmtp/` (the rules engineer's files).
 * Layouts: protocol/mls-groups.md §4.3-§4.7.
 * @module
 */
import { fromHex } from '@xmtp-lite/common'
import { toLong, xmtp } from '@xmtp-lite/proto'
import { encode } from 'ts-mls/codec/tlsEncoder.js'
import { varLenDataEncoder } from 'ts-mls/codec/variableLength.js'
import type { GroupExtension } from '../group.ts'

const mc = xmtp.mls.message_contents

/** The default ("All Members") PolicySet as libxmtp 1.9.1 wrote it (0xff02 of the group-join capture). */
export const defaultPermissionsHex =
  '0ad1010a020801120208031a1c0a1667726f75705f696d6167655f75726c5f737175617265120208011a1f0a196d6573736167655f6469736170706561725f66726f6d5f6e73120208031a280a226d696e696d756d5f737570706f727465645f70726f746f636f6c5f76657273696f6e120208041a110a0b6465736372697074696f6e120208011a0e0a086170705f64617461120208011a100a0a67726f75705f6e616d65120208011a1d0a176d6573736167655f6469736170706561725f696e5f6e7312020803220208032a02080332020803'

/** RequiredCapabilities exactly as libxmtp writes it (§4.3). */
export const requiredCapabilitiesHex = '0cff01ff00ff02f000000a0001020007020001'

export function mutableMetadata(name: string, superAdmins: string[], admins: string[] = []): Uint8Array {
  return mc.GroupMutableMetadataV1.encode({
    attributes: { group_name: name, description: '', group_image_url_square: '', app_data: '' },
    adminList: { inboxIds: admins },
    superAdminList: { inboxIds: superAdmins },
  }).finish()
}

export function membership(members: Record<string, number>): Uint8Array {
  return mc.GroupMembership.encode({
    members: Object.fromEntries(Object.entries(members).map(([k, v]) => [k, toLong(v)])),
  }).finish()
}

/** Creation extensions of a GROUP in libxmtp's order (§4.3), membership already at real sequence ids. */
export function groupExtensions(creatorInboxId: string, name = ''): GroupExtension[] {
  const metadata = mc.GroupMetadataV1.encode({
    conversationType: 1,
    creatorAccountAddress: '',
    creatorInboxId,
  }).finish()
  return [
    { extensionType: 0xf000, extensionData: encode(varLenDataEncoder)(metadata) },
    { extensionType: 0xff00, extensionData: mutableMetadata(name, [creatorInboxId]) },
    { extensionType: 0xff01, extensionData: membership({ [creatorInboxId]: 1 }) },
    { extensionType: 0xff02, extensionData: fromHex(defaultPermissionsHex) },
    { extensionType: 0x0003, extensionData: fromHex(requiredCapabilitiesHex) },
  ]
}

/** `extensions` with one extension's data replaced in place (libxmtp `add_or_replace`). */
export function withExtension(
  extensions: readonly GroupExtension[],
  type: number,
  data: Uint8Array,
): GroupExtension[] {
  const out = extensions.map((e) =>
    e.extensionType === type ? { extensionType: type, extensionData: data } : e,
  )
  if (!out.some((e) => e.extensionType === type)) out.push({ extensionType: type, extensionData: data })
  return out
}

export function groupName(extensions: readonly GroupExtension[]): string | undefined {
  const ext = extensions.find((e) => e.extensionType === 0xff00)
  return ext === undefined
    ? undefined
    : mc.GroupMutableMetadataV1.decode(ext.extensionData).attributes.group_name
}

/** A text EncodedContent (xmtp.org/text:1.0, encoding UTF-8; §6.3). */
export function textContent(text: string): Uint8Array {
  return mc.EncodedContent.encode({
    type: { authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 },
    parameters: { encoding: 'UTF-8' },
    content: new TextEncoder().encode(text),
  }).finish()
}

/** A LeaveRequest EncodedContent (xmtp.org/leave_request:1.0, empty LeaveRequest; §6.3). */
export function leaveRequestContent(): Uint8Array {
  return mc.EncodedContent.encode({
    type: { authorityId: 'xmtp.org', typeId: 'leave_request', versionMajor: 1, versionMinor: 0 },
    content: new Uint8Array(),
  }).finish()
}

export function contentText(content: Uint8Array): string {
  return new TextDecoder().decode(mc.EncodedContent.decode(content).content)
}

export function contentTypeId(content: Uint8Array): string {
  return mc.EncodedContent.decode(content).type?.typeId ?? ''
}
