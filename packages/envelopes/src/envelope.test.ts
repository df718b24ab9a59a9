import { concatBytes, defaultCrypto, fromHex, nobleCrypto, toHex, utf8ToBytes } from '@xmtp-lite/common'
import { type Hex, numberToBytes, recoverAddress, recoverPublicKey, keccak256 as viemKeccak } from 'viem'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../test/codes.ts'
import {
  encodeMls,
  groupMessageInput,
  libxmtpBytes,
  node100Key,
  node200Key,
  oracle,
  payerAddress,
  payerKey,
} from '../test/fixtures.ts'
import { createVectorClock, getSequenceId } from './cursor.ts'
import {
  type ClientEnvelope,
  createBlockchainOriginatorEnvelope,
  createClientEnvelope,
  createOriginatorEnvelope,
  createPayerEnvelope,
  createUnsignedPayerEnvelope,
  type OriginatorEnvelope,
  parseClientEnvelope,
  parseOriginatorEnvelope,
  parsePayerEnvelope,
  parseUnsignedOriginatorEnvelope,
  verifyOriginatorEnvelope,
  verifyPayerEnvelope,
} from './envelope.ts'
import { originatorSignatureHash, payerSignatureHash } from './signing.ts'
import { groupMessagesTopic, identityUpdatesTopic, keyPackagesTopic, welcomeMessagesTopic } from './topic.ts'
import { encodeFields } from './wire.ts'

const hex = (bytes: Uint8Array): Hex => `0x${toHex(bytes)}`
const groupId = fromHex('8985c1f37638a2b8ebd693c7ae3bbc5c')
const node100 = defaultCrypto.secp256k1.getPublicKey(node100Key)
const node200 = defaultCrypto.secp256k1.getPublicKey(node200Key)
const nodeKeys = new Map([
  [100, node100],
  [200, node200],
])

function groupClientEnvelope(): ClientEnvelope {
  return createClientEnvelope({
    targetTopic: groupMessagesTopic(groupId),
    dependsOn: createVectorClock({ 0: 1 }),
    payload: { kind: 'groupMessage', bytes: groupMessageInput(libxmtpBytes('group-join/gm-2-app.bin')) },
  })
}

function fullEnvelope(client = groupClientEnvelope()): OriginatorEnvelope {
  const payer = createPayerEnvelope({
    clientEnvelope: client,
    targetOriginator: 100,
    messageRetentionDays: 60,
    payerPrivateKey: payerKey,
  })
  return createOriginatorEnvelope({
    payerEnvelope: payer,
    originatorNodeId: 100,
    originatorSequenceId: 7n,
    originatorNs: 1_795_522_736_771_963_557n,
    baseFeePicodollars: 1234n,
    congestionFeePicodollars: 5n,
    expiryUnixtime: 1_800_706_736n,
    nodePrivateKey: node100Key,
  })
}

describe('client envelopes', () => {
  it('carries a libxmtp group message that the official decoder reads back', () => {
    const client = groupClientEnvelope()
    const parsed = parseClientEnvelope(client.bytes)
    expect(parsed.payload.kind).toBe('groupMessage')
    expect(toHex(parsed.aad.targetTopic.bytes)).toBe('008985c1f37638a2b8ebd693c7ae3bbc5c')
    expect(getSequenceId(parsed.aad.dependsOn ?? new Map(), 0)).toBe(1n)
    const decoded = oracle.mls.GroupMessageInput?.decode(parsed.payload.bytes) as { v1: { data: Uint8Array } }
    expect(toHex(decoded.v1.data)).toBe(toHex(libxmtpBytes('group-join/gm-2-app.bin')))
  })

  it('pairs each real payload with its topic kind and refuses mismatches', () => {
    const publish = oracle.identityApi.PublishIdentityUpdateRequest?.decode(
      libxmtpBytes('publish-identity-update-request.bin'),
    ) as { identityUpdate: { inboxId: string } }
    const identityUpdate = libxmtpBytes('publish-identity-update-request.bin')
    // PublishIdentityUpdateRequest{1: identity_update}: the payload is field 1's bytes, 2-byte length prefix.
    expect(identityUpdate[0]).toBe(0x0a)
    const updateBytes = identityUpdate.subarray(3)
    const identity = createClientEnvelope({
      targetTopic: identityUpdatesTopic(publish.identityUpdate.inboxId),
      payload: { kind: 'identityUpdate', bytes: updateBytes },
    })
    expect(identity.aad.dependsOn).toBeUndefined()
    const keyPackage = encodeMls('UploadKeyPackageRequest', {
      keyPackage: { keyPackageTlsSerialized: libxmtpBytes('key-package.bin') },
    })
    const installation = fromHex('f8dca9e5afd91b7be359718f0fa639e8aef8570f2ebc8e58ea985eb4f7963325')
    createClientEnvelope({
      targetTopic: keyPackagesTopic(installation),
      payload: { kind: 'uploadKeyPackage', bytes: keyPackage },
    })
    const welcome = encodeMls('WelcomeMessageInput', {
      v1: { installationKey: installation, data: libxmtpBytes('group-join/welcome-wrapped-data.bin') },
    })
    createClientEnvelope({
      targetTopic: welcomeMessagesTopic(installation),
      payload: { kind: 'welcomeMessage', bytes: welcome },
    })
    expect(
      codeOf(() =>
        createClientEnvelope({
          targetTopic: groupMessagesTopic(groupId),
          payload: { kind: 'welcomeMessage', bytes: welcome },
        }),
      ),
    ).toBe('Envelope::TopicPayloadMismatch')
    const mismatched = encodeFields([
      [1, 'message', encodeFields([[2, 'bytes', keyPackagesTopic(installation).bytes]])],
      [2, 'message', groupMessageInput(new Uint8Array([1]))],
    ])
    expect(codeOf(() => parseClientEnvelope(mismatched))).toBe('Envelope::TopicPayloadMismatch')
    expect(parseClientEnvelope(mismatched, { checkTopicMatch: false }).payload.kind).toBe('groupMessage')
  })

  it('requires aad, a target topic and exactly one payload', () => {
    const aad = encodeFields([[2, 'bytes', groupMessagesTopic(groupId).bytes]])
    const payload = groupMessageInput(new Uint8Array([1]))
    expect(codeOf(() => parseClientEnvelope(encodeFields([[2, 'message', payload]])))).toBe(
      'Envelope::MissingField',
    )
    expect(codeOf(() => parseClientEnvelope(encodeFields([[1, 'message', aad]])))).toBe(
      'Envelope::MissingField',
    )
    expect(
      codeOf(() =>
        parseClientEnvelope(
          encodeFields([
            [1, 'message', new Uint8Array(0)],
            [2, 'message', payload],
          ]),
        ),
      ),
    ).toBe('Envelope::MissingField')
    expect(
      codeOf(() =>
        parseClientEnvelope(
          encodeFields([
            [1, 'message', aad],
            [2, 'message', payload],
            [3, 'message', payload],
          ]),
        ),
      ),
    ).toBe('Envelope::Malformed')
    const unknownKind = encodeFields([[2, 'bytes', new Uint8Array([9, 1])]])
    expect(
      codeOf(() =>
        parseClientEnvelope(
          encodeFields([
            [1, 'message', unknownKind],
            [2, 'message', payload],
          ]),
        ),
      ),
    ).toBe('Envelope::TopicUnknownKind')
    const tooLong = encodeFields([[2, 'bytes', new Uint8Array(129)]])
    expect(
      codeOf(() =>
        parseClientEnvelope(
          encodeFields([
            [1, 'message', tooLong],
            [2, 'message', payload],
          ]),
        ),
      ),
    ).toBe('Envelope::TopicTooLong')
  })
})

describe('payer envelopes', () => {
  it('signs keccak256(target| ‖ BE32 target ‖ payer| ‖ client bytes) with v in {0, 1}', async () => {
    const client = groupClientEnvelope()
    const payer = createPayerEnvelope({
      clientEnvelope: client,
      targetOriginator: 0x01020304,
      messageRetentionDays: 60,
      payerPrivateKey: payerKey,
    })
    // The hash, recomputed with viem (an implementation nobody here wrote).
    const expectedHash = viemKeccak(
      concatBytes(
        utf8ToBytes('target|'),
        numberToBytes(0x01020304, { size: 4 }),
        utf8ToBytes('payer|'),
        client.bytes,
      ),
      'bytes',
    )
    expect(toHex(payerSignatureHash(defaultCrypto, 0x01020304, client.bytes))).toBe(toHex(expectedHash))
    const signature = payer.payerSignature as Uint8Array
    expect(signature.length).toBe(65)
    expect([0, 1]).toContain(signature[64])
    expect((await recoverAddress({ hash: hex(expectedHash), signature: hex(signature) })).toLowerCase()).toBe(
      payerAddress,
    )
    const signer = verifyPayerEnvelope(parsePayerEnvelope(payer.bytes), {
      expectedPayerAddress: payerAddress,
      expectedTargetOriginator: 0x01020304,
    })
    expect(signer.address).toBe(payerAddress)
    expect(toHex(signer.publicKey)).toBe(
      (await recoverPublicKey({ hash: hex(expectedHash), signature: hex(signature) })).slice(2),
    )
  })

  it('keeps the exact client envelope bytes, unknown fields included', () => {
    const client = groupClientEnvelope()
    const withUnknown = concatBytes(client.bytes, fromHex('f80101')) // field 31, varint 1
    const payer = createPayerEnvelope({
      clientEnvelope: withUnknown,
      targetOriginator: 100,
      messageRetentionDays: 60,
      payerPrivateKey: payerKey,
    })
    const parsed = parsePayerEnvelope(payer.bytes)
    expect(toHex(parsed.clientEnvelopeBytes)).toBe(toHex(withUnknown))
    expect(verifyPayerEnvelope(parsed).address).toBe(payerAddress)
  })

  it('fails on another target, another payer, a tampered client envelope or a bad signature', () => {
    const payer = createPayerEnvelope({
      clientEnvelope: groupClientEnvelope(),
      targetOriginator: 100,
      messageRetentionDays: 60,
      payerPrivateKey: payerKey,
    })
    expect(codeOf(() => verifyPayerEnvelope(payer, { expectedTargetOriginator: 200 }))).toBe(
      'Envelope::UnexpectedOriginator',
    )
    expect(codeOf(() => verifyPayerEnvelope(payer, { expectedPayerAddress: `0x${'00'.repeat(20)}` }))).toBe(
      'Envelope::SignatureInvalid',
    )
    // Re-target: the same signature over another target node recovers someone else.
    const retargeted = encodeFields([
      [1, 'bytes', payer.clientEnvelopeBytes],
      [2, 'message', encodeFields([[1, 'bytes', payer.payerSignature]])],
      [3, 'uint32', 200],
      [4, 'uint32', 60],
    ])
    expect(
      codeOf(() =>
        verifyPayerEnvelope(parsePayerEnvelope(retargeted), { expectedPayerAddress: payerAddress }),
      ),
    ).toBe('Envelope::SignatureInvalid')
    // v = 27 (personal_sign style) is not xmtpd's encoding.
    const sig27 = (payer.payerSignature as Uint8Array).slice()
    sig27[64] = (sig27[64] as number) + 27
    const with27 = encodeFields([
      [1, 'bytes', payer.clientEnvelopeBytes],
      [2, 'message', encodeFields([[1, 'bytes', sig27]])],
      [3, 'uint32', 100],
    ])
    expect(codeOf(() => verifyPayerEnvelope(parsePayerEnvelope(with27)))).toBe('Envelope::SignatureInvalid')
    // r = 0 recovers nothing.
    const zero = new Uint8Array(65)
    const withZero = encodeFields([
      [1, 'bytes', payer.clientEnvelopeBytes],
      [2, 'message', encodeFields([[1, 'bytes', zero]])],
    ])
    expect(codeOf(() => verifyPayerEnvelope(parsePayerEnvelope(withZero)))).toBe('Envelope::SignatureInvalid')
    const short = encodeFields([
      [1, 'bytes', payer.clientEnvelopeBytes],
      [2, 'message', encodeFields([[1, 'bytes', new Uint8Array(64)]])],
    ])
    expect(codeOf(() => verifyPayerEnvelope(parsePayerEnvelope(short)))).toBe('Envelope::SignatureInvalid')
  })

  it('parses chain-derived payer envelopes (field 1 only) and refuses to verify them', () => {
    const payer = createUnsignedPayerEnvelope(groupClientEnvelope())
    expect(payer.payerSignature).toBeUndefined()
    expect(payer.targetOriginator).toBe(0)
    expect(codeOf(() => verifyPayerEnvelope(payer))).toBe('Envelope::MissingField')
    expect(codeOf(() => parsePayerEnvelope(new Uint8Array(0)))).toBe('Envelope::MissingField')
  })
})

describe('originator envelopes', () => {
  it('round-trips every field and verifies both signatures', () => {
    const envelope = fullEnvelope()
    const parsed = parseOriginatorEnvelope(envelope.bytes)
    const unsigned = parsed.unsignedOriginatorEnvelope
    expect(unsigned.originatorNodeId).toBe(100)
    expect(unsigned.originatorSequenceId).toBe(7n)
    expect(unsigned.originatorNs).toBe(1_795_522_736_771_963_557n)
    expect(unsigned.baseFeePicodollars).toBe(1234n)
    expect(unsigned.congestionFeePicodollars).toBe(5n)
    expect(unsigned.expiryUnixtime).toBe(1_800_706_736n)
    expect(unsigned.payerEnvelope.messageRetentionDays).toBe(60)
    expect(unsigned.payerEnvelope.clientEnvelope.payload.kind).toBe('groupMessage')
    const verified = verifyOriginatorEnvelope(parsed, { nodeKeys, expectedNodeId: 100, verifyPayer: true })
    expect(verified.proof).toBe('signature')
    expect(verified.payer?.address).toBe(payerAddress)
  })

  it('keeps each layer as a view of the exact bytes it was parsed from', () => {
    const envelope = fullEnvelope()
    const parsed = parseOriginatorEnvelope(envelope.bytes)
    const u = parsed.unsignedOriginatorEnvelope
    expect(u.bytes).toBe(parsed.unsignedOriginatorBytes)
    expect(u.payerEnvelope.bytes).toBe(u.payerEnvelopeBytes)
    expect(u.payerEnvelope.clientEnvelope.bytes).toBe(u.payerEnvelope.clientEnvelopeBytes)
    expect(u.payerEnvelope.clientEnvelope.bytes.buffer).toBe(parsed.bytes.buffer)
    expect(toHex(parseUnsignedOriginatorEnvelope(u.bytes).bytes)).toBe(toHex(u.bytes))
  })

  it('signs keccak256(originator| ‖ unsigned bytes), recoverable by viem', async () => {
    const envelope = fullEnvelope()
    const expected = viemKeccak(
      concatBytes(utf8ToBytes('originator|'), envelope.unsignedOriginatorBytes),
      'bytes',
    )
    expect(toHex(originatorSignatureHash(defaultCrypto, envelope.unsignedOriginatorBytes))).toBe(
      toHex(expected),
    )
    if (envelope.proof.kind !== 'originatorSignature') throw new Error('expected a signature proof')
    const key = await recoverPublicKey({ hash: hex(expected), signature: hex(envelope.proof.signature) })
    expect(key).toBe(hex(node100))
  })

  it('signs identically with the noble and node providers (deterministic RFC 6979)', () => {
    const payer = createPayerEnvelope({
      clientEnvelope: groupClientEnvelope(),
      targetOriginator: 100,
      messageRetentionDays: 60,
      payerPrivateKey: payerKey,
      crypto: nobleCrypto,
    })
    expect(toHex(payer.bytes)).toBe(toHex(fullEnvelope().unsignedOriginatorEnvelope.payerEnvelopeBytes))
  })

  it('detects a re-encoded inner envelope: same fields, other bytes, signature invalid', () => {
    const envelope = fullEnvelope()
    const u = envelope.unsignedOriginatorEnvelope
    // Re-encode the unsigned envelope with the fields in reverse order: every decoded value is the same,
    // as a re-serializing implementation would produce it.
    const reordered = encodeFields([
      [7, 'uint64', u.expiryUnixtime],
      [6, 'uint64', u.congestionFeePicodollars],
      [5, 'uint64', u.baseFeePicodollars],
      [4, 'bytes', u.payerEnvelopeBytes],
      [3, 'int64', u.originatorNs],
      [2, 'uint64', u.originatorSequenceId],
      [1, 'uint32', u.originatorNodeId],
    ])
    if (envelope.proof.kind !== 'originatorSignature') throw new Error('expected a signature proof')
    const forged = parseOriginatorEnvelope(
      encodeFields([
        [1, 'bytes', reordered],
        [2, 'message', encodeFields([[1, 'bytes', envelope.proof.signature]])],
      ]),
    )
    expect(forged.unsignedOriginatorEnvelope.originatorSequenceId).toBe(7n)
    expect(codeOf(() => verifyOriginatorEnvelope(forged, { nodeKeys }))).toBe('Envelope::SignatureInvalid')
  })

  it('detects a tampered payload deep inside', () => {
    const envelope = fullEnvelope()
    const bytes = envelope.bytes.slice()
    // The last byte of the MLS ciphertext inside the group message, three layers down.
    const inner = parseOriginatorEnvelope(envelope.bytes).unsignedOriginatorEnvelope.payerEnvelope
      .clientEnvelope.payload.bytes
    const at = inner.byteOffset + inner.length - 41
    bytes[at] = (bytes[at] as number) ^ 1
    const tampered = parseOriginatorEnvelope(bytes)
    expect(codeOf(() => verifyOriginatorEnvelope(tampered, { nodeKeys }))).toBe('Envelope::SignatureInvalid')
  })

  it('names the wrong signer, an unknown node and an unexpected originator', () => {
    const payer = fullEnvelope().unsignedOriginatorEnvelope.payerEnvelope
    const signedBy200 = createOriginatorEnvelope({
      payerEnvelope: payer,
      originatorNodeId: 100,
      originatorSequenceId: 1n,
      originatorNs: 1n,
      nodePrivateKey: node200Key,
    })
    expect(codeOf(() => verifyOriginatorEnvelope(signedBy200, { nodeKeys }))).toBe('Envelope::SignerMismatch')
    const from300 = createOriginatorEnvelope({
      payerEnvelope: payer,
      originatorNodeId: 300,
      originatorSequenceId: 1n,
      originatorNs: 1n,
      nodePrivateKey: node200Key,
    })
    expect(codeOf(() => verifyOriginatorEnvelope(from300, { nodeKeys }))).toBe('Envelope::UnknownOriginator')
    expect(codeOf(() => verifyOriginatorEnvelope(fullEnvelope(), { nodeKeys, expectedNodeId: 200 }))).toBe(
      'Envelope::UnexpectedOriginator',
    )
  })

  it('builds chain-derived envelopes with a blockchain proof', () => {
    const client = groupClientEnvelope()
    const envelope = createBlockchainOriginatorEnvelope({
      payerEnvelope: createUnsignedPayerEnvelope(client),
      originatorNodeId: 0,
      originatorSequenceId: 1n,
      originatorNs: 1_795_522_736_000_000_000n,
      transactionHash: fromHex('ab'.repeat(32)),
    })
    const parsed = parseOriginatorEnvelope(envelope.bytes)
    expect(parsed.proof).toEqual({ kind: 'blockchain', transactionHash: fromHex('ab'.repeat(32)) })
    expect(parsed.unsignedOriginatorEnvelope.expiryUnixtime).toBe(0n)
    expect(codeOf(() => verifyOriginatorEnvelope(parsed, { nodeKeys }))).toBe('Envelope::MissingField')
    expect(verifyOriginatorEnvelope(parsed, { nodeKeys, allowBlockchainProof: true }).proof).toBe(
      'blockchain',
    )
    const verified = verifyOriginatorEnvelope(parsed, {
      nodeKeys,
      allowBlockchainProof: true,
      verifyPayer: true,
    })
    expect(verified.payer).toBeUndefined()
  })

  it('encodes a negative originator_ns as int64 and reads it back', () => {
    const envelope = createOriginatorEnvelope({
      payerEnvelope: createUnsignedPayerEnvelope(groupClientEnvelope()),
      originatorNodeId: 100,
      originatorSequenceId: 1n,
      originatorNs: -5n,
      nodePrivateKey: node100Key,
    })
    expect(parseOriginatorEnvelope(envelope.bytes).unsignedOriginatorEnvelope.originatorNs).toBe(-5n)
  })

  it('rejects out-of-range builder arguments', () => {
    const payer = createUnsignedPayerEnvelope(groupClientEnvelope())
    const base = {
      payerEnvelope: payer,
      originatorSequenceId: 1n,
      originatorNs: 1n,
      nodePrivateKey: node100Key,
    }
    expect(codeOf(() => createOriginatorEnvelope({ ...base, originatorNodeId: -1 }))).toBe(
      'Envelope::InvalidArgument',
    )
    expect(
      codeOf(() => createOriginatorEnvelope({ ...base, originatorNodeId: 1, originatorSequenceId: -1n })),
    ).toBe('Envelope::InvalidArgument')
    expect(
      codeOf(() => createOriginatorEnvelope({ ...base, originatorNodeId: 1, originatorNs: 2n ** 63n })),
    ).toBe('Envelope::InvalidArgument')
    expect(
      codeOf(() =>
        createOriginatorEnvelope({ ...base, originatorNodeId: 1, nodePrivateKey: new Uint8Array(31) }),
      ),
    ).toBe('Envelope::InvalidArgument')
    expect(
      codeOf(() =>
        verifyOriginatorEnvelope(fullEnvelope(), { nodeKeys: new Map([[100, new Uint8Array(33)]]) }),
      ),
    ).toBe('Envelope::InvalidArgument')
  })

  it('requires the unsigned bytes and a proof, and refuses both proofs at once', () => {
    const envelope = fullEnvelope()
    const sig = encodeFields([[1, 'bytes', new Uint8Array(65)]])
    expect(codeOf(() => parseOriginatorEnvelope(encodeFields([[2, 'message', sig]])))).toBe(
      'Envelope::MissingField',
    )
    expect(
      codeOf(() => parseOriginatorEnvelope(encodeFields([[1, 'bytes', envelope.unsignedOriginatorBytes]]))),
    ).toBe('Envelope::MissingField')
    expect(
      codeOf(() =>
        parseOriginatorEnvelope(
          encodeFields([
            [1, 'bytes', envelope.unsignedOriginatorBytes],
            [2, 'message', sig],
            [3, 'message', encodeFields([[1, 'bytes', new Uint8Array(32)]])],
          ]),
        ),
      ),
    ).toBe('Envelope::Malformed')
    expect(codeOf(() => parseUnsignedOriginatorEnvelope(encodeFields([[1, 'uint32', 100]])))).toBe(
      'Envelope::MissingField',
    )
  })

  it('throws a typed error for every truncation and never anything else', () => {
    const bytes = fullEnvelope().bytes
    for (let n = 0; n < bytes.length; n++) {
      const code = codeOf(() => parseOriginatorEnvelope(bytes.subarray(0, n)))
      expect(code, `prefix of ${n} bytes`).toMatch(/^Envelope::/)
    }
  })

  it('survives random byte corruption with a typed error or a parse (fixed seed)', () => {
    const bytes = fullEnvelope().bytes
    let seed = 0x2545f491
    const next = () => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return seed >>> 0
    }
    const seen = new Set<string>()
    for (let i = 0; i < 300; i++) {
      const copy = bytes.slice()
      for (let k = 0; k < 3; k++) copy[next() % copy.length] = next() & 0xff
      seen.add(codeOf(() => verifyOriginatorEnvelope(parseOriginatorEnvelope(copy), { nodeKeys })) ?? 'ok')
    }
    for (const code of seen) expect(code).toMatch(/^(ok|Envelope::\w+)$/)
    expect(seen.has('Envelope::SignatureInvalid')).toBe(true)
    expect(seen.has('Envelope::Malformed')).toBe(true)
  })

  it('does not let a caller mutate a parsed envelope through the input buffer', () => {
    const input = fullEnvelope().bytes.slice()
    const parsed = parseOriginatorEnvelope(input)
    input.fill(0)
    expect(verifyOriginatorEnvelope(parsed, { nodeKeys }).originatorNodeId).toBe(100)
  })
})
