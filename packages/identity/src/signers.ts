/**
 * Signers: who can sign an identity update's text, one per signature kind XMTP accepts (§4.7).
 * @module
 */
import {
  type CryptoProvider,
  concatBytes,
  defaultCrypto,
  ethereumAddressFromPublicKey,
  fromHex,
  utf8ToBytes,
} from '@xmtp-lite/common'
import { IdentityError } from './errors.ts'
import type { EthereumIdentifier, MemberIdentifier, PasskeyIdentifier, UnverifiedSignature } from './model.ts'
import { hashPersonalMessage, installationKeyContext } from './verify.ts'

/** Anything that signs signature texts for one member identifier. */
export interface Signer {
  readonly identifier: MemberIdentifier
  sign(text: string): Promise<UnverifiedSignature>
}

/** A signer for an Ethereum account (EOA or smart-contract wallet). */
export interface WalletSigner extends Signer {
  readonly identifier: EthereumIdentifier
}

/** A signer for a passkey. */
export interface PasskeySigner extends Signer {
  readonly identifier: PasskeyIdentifier
}

/**
 * An EOA wallet from its secp256k1 private key: EIP-191 `personal_sign`, 65 bytes `r‖s‖v` with low `s`
 * and v = 27/28, as viem and ethers produce.
 */
export function createWalletSigner(
  privateKey: Uint8Array,
  crypto: CryptoProvider = defaultCrypto,
): WalletSigner {
  const address = ethereumAddressFromPublicKey(crypto.secp256k1.getPublicKey(privateKey))
  return {
    identifier: { kind: 'ethereum', address },
    async sign(text) {
      return {
        kind: 'erc191',
        signature: crypto.secp256k1.signRecoverable(hashPersonalMessage(text, crypto), privateKey),
      }
    },
  }
}

/** The subset of a viem account (or any EIP-191 wallet) this package needs. */
export interface MessageSigningAccount {
  readonly address: string
  signMessage(args: { message: string }): Promise<string>
}

/** An EOA wallet behind a viem account (`privateKeyToAccount`, a JSON-RPC account, a hardware wallet). */
export function createAccountSigner(account: MessageSigningAccount): WalletSigner {
  return {
    identifier: { kind: 'ethereum', address: account.address.toLowerCase() },
    async sign(text) {
      const hex = await account.signMessage({ message: text })
      return { kind: 'erc191', signature: fromHex(hex.startsWith('0x') ? hex.slice(2) : hex) }
    },
  }
}

/** An installation key: Ed25519ph with context `IDENTITY UPDATE SIGNATURE` over the text. */
export interface InstallationKeySigner extends Signer {
  readonly publicKey: Uint8Array
}

/** An installation signer from its 32-byte Ed25519 seed. */
export function createInstallationKeySigner(
  privateKey: Uint8Array,
  crypto: CryptoProvider = defaultCrypto,
): InstallationKeySigner {
  const publicKey = crypto.ed25519.getPublicKey(privateKey)
  return {
    identifier: { kind: 'installation', publicKey },
    publicKey,
    async sign(text) {
      const signature = crypto.ed25519.signPh(utf8ToBytes(text), privateKey, installationKeyContext)
      return { kind: 'installationKey', signature, publicKey }
    },
  }
}

/** Parameters of {@link createSmartContractWalletSigner}. */
export interface SmartContractWalletSignerParams {
  readonly chainId: bigint
  readonly address: string
  /** The block the signature is to be verified at (the wallet's state at that block decides). */
  readonly blockNumber: bigint
  /** Signs the text as the wallet expects (ERC-1271 `isValidSignature` over its EIP-191 hash). */
  signMessage(text: string): Promise<Uint8Array>
}

/** A smart-contract wallet (ERC-1271, or ERC-6492 when not yet deployed). */
export function createSmartContractWalletSigner(params: SmartContractWalletSignerParams): WalletSigner {
  if (!/^0x[0-9a-fA-F]{40}$/.test(params.address)) {
    throw new IdentityError(
      'Identity::InvalidAddress',
      'a smart-contract wallet address must be 0x + 40 hex digits',
    )
  }
  const address = params.address.toLowerCase()
  return {
    identifier: { kind: 'ethereum', address },
    async sign(text) {
      return {
        kind: 'smartContractWallet',
        accountId: `eip155:${params.chainId}:${address}`,
        blockNumber: params.blockNumber,
        signature: await params.signMessage(text),
      }
    },
  }
}

/** Parameters of {@link createPasskeySigner}. */
export interface PasskeySignerParams {
  /** A WebCrypto ECDSA P-256 private key. */
  readonly privateKey: CryptoKey
  /** Its public key, SEC1 uncompressed (65 bytes). */
  readonly publicKey: Uint8Array
  /** The origin the authenticator reports (becomes the member's relying party). */
  readonly origin: string
  /** The relying party id hashed into the authenticator data. */
  readonly rpId: string
}

function base64UrlNoPad(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function derInteger(raw: Uint8Array): Uint8Array {
  let i = 0
  while (i < raw.length - 1 && raw[i] === 0) i++
  const body = raw.subarray(i)
  const padded = ((body[0] as number) & 0x80) !== 0 ? concatBytes(Uint8Array.of(0), body) : body
  return concatBytes(Uint8Array.of(0x02, padded.length), padded)
}

/**
 * A software passkey: produces WebAuthn assertions (authenticator data, client data JSON with the text as
 * challenge, a DER P-256 signature) as a platform authenticator would. For tests and headless agents.
 */
export function createPasskeySigner(
  params: PasskeySignerParams,
  crypto: CryptoProvider = defaultCrypto,
): Signer {
  return {
    identifier: { kind: 'passkey', key: params.publicKey, relyingParty: params.origin },
    async sign(text) {
      const clientDataJson = utf8ToBytes(
        JSON.stringify({
          type: 'webauthn.get',
          challenge: base64UrlNoPad(utf8ToBytes(text)),
          origin: params.origin,
        }),
      )
      // rpIdHash ‖ flags (UP | UV) ‖ signCount 0 (WebAuthn §6.1)
      const authenticatorData = concatBytes(
        crypto.sha256(utf8ToBytes(params.rpId)),
        Uint8Array.of(0x05, 0, 0, 0, 0),
      )
      const raw = new Uint8Array(
        await globalThis.crypto.subtle.sign(
          { name: 'ECDSA', hash: 'SHA-256' },
          params.privateKey,
          new Uint8Array(concatBytes(authenticatorData, crypto.sha256(clientDataJson))),
        ),
      )
      const r = derInteger(raw.subarray(0, 32))
      const s = derInteger(raw.subarray(32, 64))
      const signature = concatBytes(Uint8Array.of(0x30, r.length + s.length), r, s)
      return { kind: 'passkey', publicKey: params.publicKey, signature, authenticatorData, clientDataJson }
    },
  }
}
