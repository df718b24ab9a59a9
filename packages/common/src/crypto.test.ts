import { describe, expect, it } from 'vitest'
import { fromHex, toHex, utf8ToBytes } from './bytes.ts'
import { nobleCrypto } from './crypto/noble.ts'
import { nodeCrypto, nodeCryptoFor } from './crypto/node.ts'
import {
  defaultCrypto,
  ethereumAddressFromPublicKey,
  keccak256,
  randomBytes,
  sha256,
  sha512,
} from './crypto.ts'
import { isBaseError } from './errors.ts'

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return isBaseError(error) ? error.code : `untyped: ${String(error)}`
  }
  return 'no error'
}

describe('defaultCrypto', () => {
  it('is the node provider under Node', () => {
    expect(nodeCrypto).toBeDefined()
    expect(defaultCrypto).toBe(nodeCrypto)
    expect(defaultCrypto.name).toBe('node')
  })
  it('binds the helpers to it', () => {
    const data = utf8ToBytes('abc')
    expect(sha256(data)).toEqual(nobleCrypto.sha256(data))
    expect(sha512(data)).toEqual(nobleCrypto.sha512(data))
    expect(keccak256(data)).toEqual(nobleCrypto.keccak256(data))
    expect(randomBytes(16).length).toBe(16)
    expect(code(() => randomBytes(-1))).toBe('Common::InvalidLength')
  })
})

describe('node provider loading', () => {
  it('is undefined where there is no Node (a browser or a worker)', () => {
    expect(nodeCryptoFor({})).toBeUndefined()
    expect(nodeCryptoFor({ process: { versions: {} } })).toBeUndefined()
  })
  it('is undefined where process.getBuiltinModule is missing or node:crypto is unusable', () => {
    expect(nodeCryptoFor({ process: { versions: { node: '20.0.0' } } })).toBeUndefined()
    const throwing = () => {
      throw new Error('no such module')
    }
    expect(
      nodeCryptoFor({ process: { versions: { node: '20.0.0' }, getBuiltinModule: throwing } }),
    ).toBeUndefined()
    expect(
      nodeCryptoFor({ process: { versions: { node: '20.0.0' }, getBuiltinModule: () => ({}) } }),
    ).toBeUndefined()
  })
  it('loads from the real global object', () => {
    expect(nodeCryptoFor(globalThis)?.name).toBe('node')
  })
})

describe('ethereumAddressFromPublicKey', () => {
  it('gives the lowercase address of private key 1', () => {
    const publicKey = defaultCrypto.secp256k1.getPublicKey(
      fromHex('0000000000000000000000000000000000000000000000000000000000000001'),
    )
    expect(ethereumAddressFromPublicKey(publicKey)).toBe('0x7e5f4552091a69125d5dfcb7b8c2659029395bdf')
  })
  it('refuses compressed and malformed keys', () => {
    const publicKey = defaultCrypto.secp256k1.getPublicKey(fromHex('01'.repeat(32)))
    expect(code(() => ethereumAddressFromPublicKey(publicKey.subarray(0, 33)))).toBe('Common::InvalidLength')
    const wrongPrefix = publicKey.slice()
    wrongPrefix[0] = 0x02
    expect(code(() => ethereumAddressFromPublicKey(wrongPrefix))).toBe('Common::CryptoFailure')
    expect(toHex(publicKey.subarray(0, 1))).toBe('04')
  })
})
