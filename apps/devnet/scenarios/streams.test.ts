import { encodePrivateMessageFrame, type GroupMessage } from '@xmtp-lite/node-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../src/devnet.ts'

// A stream opened on node 200 delivers, in order, what clients publish on node 100 and node 300.

let devnet: Devnet

beforeAll(async () => {
  devnet = await startDevnet({ nodes: 3, statusPort: false, nodeOptions: { rateLimits: false } })
})

afterAll(async () => {
  await devnet.stop()
})

describe('streams across nodes', () => {
  it('a stream on node 200 gets the messages published on nodes 100 and 300, per-originator order kept', async () => {
    const groupId = new Uint8Array(16).fill(0x77)
    const received: string[] = []
    let wake: () => void = () => {}
    const node2 = devnet.nodes[1]?.node
    const handle = node2?.service.subscribeGroupMessages({ client: 's' }, [{ groupId, idCursor: 0 }], {
      write(item: GroupMessage) {
        received.push(Buffer.from(item.data).toString('hex'))
        wake()
        return true
      },
      drained: () => Promise.resolve(),
      end: () => {},
    })
    await handle?.live
    const sent = new Map<number, string[]>([
      [0, []],
      [2, []],
    ])
    for (let i = 0; i < 20; i++) {
      const from = i % 2 === 0 ? 0 : 2
      const data = encodePrivateMessageFrame({
        groupId,
        ciphertext: new Uint8Array([from, i]),
        contentType: 1,
      })
      await devnet.nodes[from]?.node?.service.sendGroupMessages({ client: 'p' }, [
        { data, senderHmac: new Uint8Array(1), shouldPush: true },
      ])
      sent.get(from)?.push(Buffer.from(data).toString('hex'))
    }
    const end = Date.now() + 30_000
    while (received.length < 20 && Date.now() < end) {
      await new Promise<void>((r) => {
        wake = r
        setTimeout(r, 100)
      })
    }
    handle?.cancel()
    expect(received).toHaveLength(20)
    expect(new Set(received).size).toBe(20)
    for (const list of sent.values()) expect(received.filter((d) => list.includes(d))).toEqual(list)
  })
})
