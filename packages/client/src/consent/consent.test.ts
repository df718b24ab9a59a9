import { xmtp } from '@xmtp-lite/proto'
import { MemoryLevel } from 'memory-level'
import { describe, expect, it } from 'vitest'
import { EncryptedStore } from '../storage/store.ts'
import { assertConsentUpdate, ConsentStore, consentFromProto, consentToProto } from './consent.ts'

const { ConsentSave, ConsentStateSave, ConsentTypeSave } = xmtp.device_sync.consent_backup
const inbox = 'ab'.repeat(32)
const group = 'cd'.repeat(16)

async function openStore(db = new MemoryLevel<string, Uint8Array>()) {
  return EncryptedStore.open({ db, encryptionKey: new Uint8Array(32).fill(4) })
}

describe('ConsentSave wire form (consent_backup.proto)', () => {
  it('shifts the state by one and names the entity type', () => {
    const bytes = ConsentSave.encode(
      consentToProto({ entityType: 'inboxId', entity: inbox, state: 'denied', consentedAtNs: 5n }),
    ).finish()
    const decoded = ConsentSave.decode(bytes)
    expect(decoded.entityType).toBe(ConsentTypeSave.CONSENT_TYPE_SAVE_INBOX_ID)
    expect(decoded.state).toBe(ConsentStateSave.CONSENT_STATE_SAVE_DENIED)
    expect(decoded.state).toBe(3)
    expect(consentFromProto(decoded)).toEqual({
      entityType: 'inboxId',
      entity: inbox,
      state: 'denied',
      consentedAtNs: 5n,
    })
    const allowed = consentToProto({
      entityType: 'conversationId',
      entity: group,
      state: 'allowed',
      consentedAtNs: 1n,
    })
    expect([allowed.entityType, allowed.state]).toEqual([1, 2])
  })

  it('refuses address consent, unspecified fields and malformed entities with a typed error', () => {
    const cases = [
      { entityType: ConsentTypeSave.CONSENT_TYPE_SAVE_ADDRESS, state: 2, entity: inbox },
      { entityType: 0, state: 2, entity: inbox },
      { entityType: 2, state: 0, entity: inbox },
      { entityType: 2, state: 9, entity: inbox },
      { entityType: 2, state: 2, entity: 'not hex' },
      { entityType: 2, state: 2, entity: '' },
      { entityType: 1, state: 2, entity: 'AB'.repeat(16) },
      { entityType: 1, state: 2, entity: 'a'.repeat(200) },
    ]
    for (const c of cases) {
      expect(() => consentFromProto(c), JSON.stringify(c)).toThrow(
        expect.objectContaining({ code: 'Client::InvalidPreferenceUpdate' }),
      )
    }
  })

  it('checks what the app asks for', () => {
    expect(() => assertConsentUpdate({ entityType: 'inboxId', entity: 'xyz', state: 'allowed' })).toThrow(
      expect.objectContaining({ code: 'Client::InvalidArgument' }),
    )
    expect(() =>
      // biome-ignore lint/suspicious/noExplicitAny: a state outside the type, as JavaScript callers may pass.
      assertConsentUpdate({ entityType: 'inboxId', entity: inbox, state: 'maybe' as any }),
    ).toThrow(expect.objectContaining({ code: 'Client::InvalidArgument' }))
  })
})

describe('ConsentStore', () => {
  it('replaces a local record when the state differs, a synced one only when newer; survives reopening', async () => {
    const db = new MemoryLevel<string, Uint8Array>()
    const store = await openStore(db)
    const consent = new ConsentStore(store)
    expect(await consent.state('inboxId', inbox)).toBe('unknown')

    const write = async (records: Parameters<ConsentStore['plan']>[0], newerOnly: boolean) => {
      const { operations, changed } = await consent.plan(records, newerOnly)
      await store.batch(operations)
      consent.commit(changed)
      return changed
    }
    const r = (state: 'allowed' | 'denied' | 'unknown', at: bigint) => ({
      entityType: 'inboxId' as const,
      entity: inbox,
      state,
      consentedAtNs: at,
    })
    expect(await write([r('allowed', 10n)], false)).toHaveLength(1)
    expect(await write([r('allowed', 20n)], false)).toHaveLength(0)
    expect(await write([r('denied', 5n)], true)).toHaveLength(0)
    expect(await consent.state('inboxId', inbox)).toBe('allowed')
    expect(await write([r('denied', 11n)], true)).toHaveLength(1)
    expect(consent.cachedState('inboxId', inbox)).toBe('denied')
    await store.close()

    const again = new ConsentStore(await openStore(db))
    expect(await again.record('inboxId', inbox)).toEqual(r('denied', 11n))
    expect(await again.state('conversationId', group)).toBe('unknown')
  })
})
