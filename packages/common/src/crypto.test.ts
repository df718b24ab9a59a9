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
  it('falls back to PKCS#8 private keys on a Node that checks the "x" of a private JWK', () => {
    const real = process.getBuiltinModule('node:crypto')
    let jwkRefusals = 0
    const strict = {
      ...real,
      createPrivateKey(input: Parameters<typeof real.createPrivateKey>[0]) {
        if (typeof input === 'object' && 'format' in input && input.format === 'jwk') {
          jwkRefusals++
          throw new Error('"x" does not match "d"')
        }
        return real.createPrivateKey(input)
      },
    }
    const provider = nodeCryptoFor({
      process: {
        versions: { node: '99.0.0' },
        getBuiltinModule: (id: string) => (id === 'node:crypto' ? strict : process.getBuiltinModule(id)),
      },
    })
    expect(provider?.name).toBe('node')
    expect(jwkRefusals).toBeGreaterThan(0)
    // RFC 8032 §7.1 TEST 2 and RFC 7748 §6.1 through the DER path.
    const secret = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb')
    expect(toHex(provider?.ed25519.getPublicKey(secret) ?? new Uint8Array(0))).toBe(
      '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    )
    expect(toHex(provider?.ed25519.sign(fromHex('72'), secret) ?? new Uint8Array(0))).toBe(
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    )
    const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
    const bob = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
    expect(toHex(provider?.x25519.sharedSecret(alice, bob) ?? new Uint8Array(0))).toBe(
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    )
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
