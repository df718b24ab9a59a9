/**
 * A client process that SIGKILLs itself at one step of an intent (intents.test.ts): it opens the
 * installation stored in a classic-level directory, renames a group, and dies at the given step, leaving
 * on disk exactly what a real crash would.
 *
 * Arguments: apiUrl, database directory, wallet seed, group id, step, new group name.
 */
import { createWalletSigner } from '@xmtp-lite/identity'
import { ClassicLevel } from 'classic-level'
import { Client } from '../../src/client.ts'

const [apiUrl, dir, seed, groupId, step, name] = process.argv.slice(2)
if (
  apiUrl === undefined ||
  dir === undefined ||
  seed === undefined ||
  groupId === undefined ||
  step === undefined ||
  name === undefined
) {
  throw new Error('usage: child.ts apiUrl dir seed groupId step name')
}
const client = await Client.create(createWalletSigner(new Uint8Array(32).fill(Number(seed))), {
  apiUrl,
  db: new ClassicLevel(dir),
  encryptionKey: new Uint8Array(32).fill(4),
  hooks: {
    onIntentStep: (at) => {
      if (at === step) process.kill(process.pid, 'SIGKILL')
    },
  },
})
const group = await client.conversations.get(groupId)
if (group === undefined) throw new Error('no such group')
await group.updateName(name)
// Reaching this line means the step never came: the parent sees a clean exit, not a kill.
process.exit(0)
