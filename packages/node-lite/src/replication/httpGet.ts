/**
 * The puller's HTTP GET: node:http on a keep-alive agent of its own, instead of `fetch` (undici).
 *
 * A pull is one small GET answered by one binary body. Through `fetch`, each took undici's WHATWG layers
 * (Request, Headers, AbortSignal wiring, a body stream read back into an ArrayBuffer): about 10 % of the
 * devnet's CPU while it delivers messages across nodes one by one, more than the signature check, and
 * several turns of the event loop per hop. node:http hands the body over as it arrives.
 *
 * A request sent on a kept-alive connection that the peer had just closed (its keep-alive timeout) fails
 * with ECONNRESET before any answer; it is sent once more on a new connection, as undici does for
 * idempotent requests (a GET of envelopes is). Other failures reject.
 * @module
 */
import { Agent, request } from 'node:http'

/** One answer: the status, the body and the headers a pull reads. */
export interface HttpAnswer {
  readonly status: number
  readonly body: Uint8Array
  readonly header: (name: string) => string | undefined
}

/** A keep-alive agent for one puller's requests (destroy it when the puller stops). */
export function pullAgent(): Agent {
  return new Agent({ keepAlive: true, scheduling: 'lifo' })
}

/**
 * GETs `url` (http: only) through `agent`; rejects on a network failure, or with `signal`'s reason when it
 * aborts first (the request and its connection are destroyed).
 */
export function httpGet(url: string, agent: Agent, signal: AbortSignal): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const attempt = (retried: boolean) => {
      if (signal.aborted) {
        reject(signal.reason)
        return
      }
      const req = request(url, { agent, method: 'GET' })
      let answered = false
      const onAbort = () => req.destroy(signal.reason as Error)
      signal.addEventListener('abort', onAbort, { once: true })
      const done = () => signal.removeEventListener('abort', onAbort)
      req.on('response', (res) => {
        answered = true
        const chunks: Buffer[] = []
        let size = 0
        let ended = false
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk)
          size += chunk.length
        })
        res.on('end', () => {
          ended = true
          done()
          const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)
          resolve({
            status: res.statusCode ?? 0,
            body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
            header: (name) => {
              const value = res.headers[name.toLowerCase()]
              return Array.isArray(value) ? value[0] : value
            },
          })
        })
        res.on('error', (error) => {
          done()
          reject(error)
        })
        res.on('close', () => {
          done()
          if (!ended) reject(new Error('the connection closed before the answer ended'))
        })
      })
      req.on('error', (error: NodeJS.ErrnoException) => {
        done()
        if (!answered && !retried && req.reusedSocket && error.code === 'ECONNRESET' && !signal.aborted) {
          attempt(true)
          return
        }
        reject(error)
      })
      req.end()
    }
    attempt(false)
  })
}
