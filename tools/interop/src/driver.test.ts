import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SdkDriver } from './driver.ts'
import { InteropError } from './errors.ts'

let driver: SdkDriver

beforeAll(async () => {
  driver = await SdkDriver.start()
}, 120_000)

afterAll(async () => {
  await driver?.close()
})

describe('the official SDK driver', () => {
  it('runs the SDK on Node 22 or newer', () => {
    expect(Number.parseInt(driver.nodeVersion.replace(/^v/, ''), 10)).toBeGreaterThanOrEqual(22)
  })

  it("computes the fact sheet's inbox id vector through libxmtp", async () => {
    // v3-node-api-and-identity.md §0 item 7 (nonce 0).
    expect(await driver.generateInboxId('0x1234567890abcdef1234567890abcdef12345678', 0n)).toBe(
      'fcd18d86276d7a99fe522dba9660c420f03c8648785ada7c5daae232a3df77a9',
    )
  })

  it('turns an SDK failure into a typed error and keeps serving', async () => {
    const error = await driver
      .call('sendText', { name: 'nobody', conversationId: 'x', text: 'gm' })
      .catch((e) => e)
    expect(error).toBeInstanceOf(InteropError)
    expect((error as InteropError).code).toBe('Interop::SdkCallFailed')
    const unknown = await driver.call('noSuchOp').catch((e) => e)
    expect((unknown as InteropError).code).toBe('Interop::SdkCallFailed')
    expect(await driver.generateInboxId('0x1234567890abcdef1234567890abcdef12345678', 1n)).toMatch(
      /^[0-9a-f]{64}$/,
    )
  })
})
