/**
 * The primitives this package needs, in one place so that the provider behind them can change.
 * @module
 */
import { sha256 as viemSha256 } from 'viem'

/** SHA-256. */
export function sha256(data: Uint8Array): Uint8Array {
  return viemSha256(data, 'bytes')
}
