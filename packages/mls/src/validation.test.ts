import { fromHex, isBaseError, toHex } from '@xmtp-lite/common'
import { decodeKeyPackage } from 'ts-mls/keyPackage.js'
import { describe, expect, it } from 'vitest'
import { createKeyPackage } from './key-package.ts'
import { libxmtpCapture, mlsVectors } from './test-fixtures/shared.ts'
import { validateKeyPackage } from './validation.ts'

interface Case {
  description: string
  keyPackage: string
  now: number
  valid: boolean
  error?: string
  inboxId?: string
  installationKey?: string
}
const vectors = mlsVectors<{ cases: Case[] }>('key-packages.json')

async function errorCode(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run()
    return undefined
  } catch (error) {
    if (!isBaseError(error)) throw error
    return error.code
  }
}

describe('validateKeyPackage', () => {
  for (const c of vectors.cases) {
    it(`vector: ${c.description}`, async () => {
      const bytes = fromHex(c.keyPackage)
      if (c.valid) {
        const result = await validateKeyPackage(bytes, { now: c.now })
        expect(result.inboxId).toBe(c.inboxId)
        expect(toHex(result.installationKey)).toBe(c.installationKey)
        expect(result.lastResort).toBe(true)
      } else {
        expect(await errorCode(() => validateKeyPackage(bytes, { now: c.now }))).toBe(c.error)
      }
    })
  }

  it('accepts the captured libxmtp key package and reports its keys and X-Wing extension', async () => {
    const bytes = libxmtpCapture('key-package.bin')
    const result = await validateKeyPackage(bytes, { now: 1795519136 + 3600 })
    expect(result.postQuantumWrapperKey).toBe(true)
    expect(result.initKey.length).toBe(32)
    expect(result.keyPackageRef.length).toBe(32)
    expect(result.notAfter - result.notBefore).toBe(BigInt(3600 + 84 * 86400))
  })

  it('ends every truncation and every single-byte corruption of a key package in a typed error', async () => {
    const kp = await createKeyPackage({
      inboxId: 'ab'.repeat(32),
      installationPrivateKey: new Uint8Array(32).fill(3),
      now: 1_800_000_000,
    })
    const bytes = kp.keyPackage
    for (let length = 0; length < bytes.length; length += 7) {
      const code = await errorCode(() =>
        validateKeyPackage(bytes.subarray(0, length), { now: 1_800_000_000 }),
      )
      expect(code).toMatch(/^Mls::/)
    }
    for (let i = 0; i < bytes.length; i += 3) {
      const forged = bytes.slice()
      forged[i] = (forged[i] as number) ^ 0x41
      const code = await errorCode(() => validateKeyPackage(forged, { now: 1_800_000_000 }))
      expect(code, `byte ${i}`).toMatch(/^Mls::/)
    }
  })
})

describe('createKeyPackage', () => {
  it('builds a key package like libxmtp: credential, application_id, capabilities, lifetime', async () => {
    const inboxId = 'fadb3ccb40ea33b701ba78c33cf361b3ba60b4bc65e8280957d38cd21feebd77'
    const seed = fromHex('ebd336206313f4980588b22668b6c679e78c28aee0318ce8c1d60fe419d19ce6')
    const now = 1795519569 + 3600
    const kp = await createKeyPackage({ inboxId, installationPrivateKey: seed, now })
    const result = await validateKeyPackage(kp.keyPackage, { now })
    expect(result.inboxId).toBe(inboxId)
    // The capture's installation key belongs to this seed.
    expect(toHex(result.installationKey)).toBe(
      'f8dca9e5afd91b7be359718f0fa639e8aef8570f2ebc8e58ea985eb4f7963325',
    )
    expect(result.notBefore).toBe(BigInt(now - 3600))
    expect(result.notAfter).toBe(BigInt(now + 84 * 86400))
    // Same size as the ts-mls key package libxmtp accepted (423 bytes): same fields, fresh keys.
    expect(kp.keyPackage.length).toBe(423)
    const captured = libxmtpCapture('group-join/ts-key-package.bin')
    const [ours] = decodeKeyPackage(kp.keyPackage, 0) ?? []
    const [theirs] = decodeKeyPackage(captured, 0) ?? []
    expect(ours?.leafNode.capabilities).toEqual(theirs?.leafNode.capabilities)
    expect(ours?.leafNode.extensions).toEqual(theirs?.leafNode.extensions)
    expect(ours?.leafNode.credential).toEqual(theirs?.leafNode.credential)
    expect(ours?.extensions).toEqual(theirs?.extensions)
    expect(await errorCode(() => validateKeyPackage(kp.keyPackage, { now: now + 85 * 86400 }))).toBe(
      'Mls::KeyPackageExpired',
    )
  })

  it('rejects an installation key of the wrong size', async () => {
    expect(
      await errorCode(() => createKeyPackage({ inboxId: 'ab', installationPrivateKey: new Uint8Array(31) })),
    ).toBe('Mls::InvalidArgument')
  })
})

describe('createKeyPackage options for MLS peers that are not libxmtp (tools/openmls-check)', () => {
  const id = { inboxId: 'ab'.repeat(32), installationPrivateKey: new Uint8Array(32).fill(9) }

  it('leaves out last_resort only when asked, and the result still validates', async () => {
    const plain = await createKeyPackage(id)
    expect((await validateKeyPackage(plain.keyPackage)).lastResort).toBe(true)
    const once = await createKeyPackage({ ...id, lastResort: false })
    const valid = await validateKeyPackage(once.keyPackage)
    expect(valid.lastResort).toBe(false)
    expect(valid.inboxId).toBe(id.inboxId)
    expect(decodeKeyPackage(once.keyPackage, 0)?.[0].extensions).toEqual([])
  })

  it('lists x509 in the leaf capabilities only when asked', async () => {
    const credentials = async (options: { advertiseX509?: boolean }) =>
      decodeKeyPackage((await createKeyPackage({ ...id, ...options })).keyPackage, 0)?.[0].leafNode
        .capabilities.credentials
    expect(await credentials({})).toEqual(['basic'])
    expect(await credentials({ advertiseX509: true })).toEqual(['basic', 'x509'])
  })
})
