/**
 * Test helpers shared by the package's tests and benchmarks (not exported from the package).
 * @module
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodePrivateMessageFrame } from '../mlsFraming.ts'
import type { IdentityUpdateEffect, IdentityValidator } from '../ports.ts'
import type { GroupMessageInput } from '../types.ts'

/** The bytes the official SDK sent (libxmtp 1.9.1), from ../shared/vectors/libxmtp-1.9.1. */
export function sdkVector(name: string): Uint8Array {
  const here = new URL('.', import.meta.url).pathname
  return new Uint8Array(readFileSync(join(here, '../../../../../shared/vectors/libxmtp-1.9.1', name)))
}

/** 2026-11-25T00:00:00Z in Unix seconds: inside the captured key package's 84-day lifetime. */
export const capturedKeyPackageNow = 1_795_564_800n

/** A group message: a minimal, well-framed MLS PrivateMessage of `size` ciphertext bytes. */
export function groupMessage(
  groupId: Uint8Array,
  tag: number,
  size = 32,
  contentType: 1 | 2 | 3 = 1,
): GroupMessageInput {
  const ciphertext = new Uint8Array(size)
  new DataView(ciphertext.buffer).setUint32(0, tag)
  return {
    data: encodePrivateMessageFrame({ groupId, ciphertext, contentType }),
    senderHmac: new Uint8Array([1, 2, 3]),
    shouldPush: contentType === 1,
  }
}

/**
 * An identity validator for tests of the storage and paging paths only: it accepts an update whose bytes
 * are a JSON `{ add?: string[], remove?: string[], valid?: false }` and reports those addresses. The real
 * validator (validators.ts) is exercised by its own tests.
 */
export const jsonIdentityValidator: IdentityValidator = {
  async validateIdentityUpdate({ update }): Promise<IdentityUpdateEffect> {
    const parsed = JSON.parse(new TextDecoder().decode(update)) as {
      add?: string[]
      remove?: string[]
      valid?: boolean
    }
    if (parsed.valid === false) throw new Error('rejected by test validator')
    return { addedAddresses: parsed.add ?? [], removedAddresses: parsed.remove ?? [] }
  },
}

/** The JSON update understood by {@link jsonIdentityValidator}. */
export function jsonUpdate(value: {
  add?: string[]
  remove?: string[]
  valid?: boolean
  n?: number
}): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value))
}
