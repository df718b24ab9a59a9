/**
 * The one MLS ciphersuite XMTP uses, 0x0003 (protocol/mls-groups.md §1):
 * MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519.
 * @module
 */
import { type CiphersuiteImpl, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls'
import { makeXmtpSuite } from './provider.ts'

/** The ts-mls name of suite 0x0003. */
export const xmtpCiphersuiteName = 'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519' as const
/** The wire id of the XMTP ciphersuite (mls-groups.md §1). */
export const xmtpCiphersuiteId = 0x0003

let defaultSuite: Promise<CiphersuiteImpl> | undefined

/** ts-mls's own implementation of suite 0x0003 with its default provider (the benchmark baseline). */
export function tsMlsDefaultSuite(): Promise<CiphersuiteImpl> {
  defaultSuite ??= getCiphersuiteImpl(getCiphersuiteFromName(xmtpCiphersuiteName))
  return defaultSuite
}

let ourSuite: CiphersuiteImpl | undefined

/** The suite implementation the package uses: ts-mls on our crypto provider (provider.ts). */
export async function xmtpSuite(): Promise<CiphersuiteImpl> {
  ourSuite ??= makeXmtpSuite()
  return ourSuite
}
