/**
 * Test helpers: bytes from `../shared` (present beside the repository for every developer and CI run)
 * and from the repository's `vectors/`.
 * @module
 */
import { readFileSync } from 'node:fs'

/** Bytes of a file under `../shared/vectors/libxmtp-1.9.1/`. */
export function libxmtpCapture(path: string): Uint8Array {
  return new Uint8Array(
    readFileSync(new URL(`../../../../../shared/vectors/libxmtp-1.9.1/${path}`, import.meta.url)),
  )
}

/** Parsed JSON of a file under the repository's `vectors/mls/`. */
export function mlsVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../../../vectors/mls/${name}`, import.meta.url), 'utf8')) as T
}
