/**
 * The entry of an identity verification worker (verifyPool.ts): joins each job it is sent, claiming
 * signature checks from shared memory with the calling thread until none is left (verifyJob.ts), with
 * the default crypto provider. Answers `{ id, ran }` once it has no claimed check left in job `id`.
 *
 * Loads `@xmtp-lite/common` and the checks only (no protobuf code), so it is ready quickly.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads'
import { defaultCrypto } from '@xmtp-lite/common'
import { By, identityVerifyWorkerRole, runJob, type WorkerAnswer, type WorkerJob } from './verifyJob.ts'

const port = (workerData as { role?: unknown } | null)?.role === identityVerifyWorkerRole ? parentPort : null
port?.on('message', (message: WorkerJob) => {
  let ran = 0
  try {
    ran = runJob(message.job, defaultCrypto, By.worker)
  } catch {
    // A malformed job: the caller finds its checks not done and runs them itself.
  }
  const answer: WorkerAnswer = { id: message.id, ran }
  port?.postMessage(answer)
})
port?.postMessage({ ready: true, backends: defaultCrypto.nativeBackends ?? [] })
