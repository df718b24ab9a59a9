/**
 * Wallet keys of the client benchmark: a distinct valid secp256k1 key per seed (0..65535), shared by
 * client.bench.ts and its child process.
 * @module
 */
export function walletKey(seed: number): Uint8Array {
  const key = new Uint8Array(32).fill(7)
  key[30] = (seed >> 8) & 0xff
  key[31] = seed & 0xff
  return key
}
