/**
 * Typed access to a ClientEnvelope payload, decoded with the generated code of `@xmtp-lite/proto`.
 *
 * The envelope keeps the payload's exact bytes; decoding here is for reading only (the decoded message is
 * never re-encoded into an envelope).
 * @module
 */
import { decodeMessage, xmtp } from '@xmtp-lite/proto'
import type { ClientPayload } from './envelope.ts'
import { EnvelopeError } from './errors.ts'

/** A decoded ClientEnvelope payload, discriminated by `kind`. */
export type DecodedClientPayload =
  | { readonly kind: 'groupMessage'; readonly message: xmtp.mls.api.v1.GroupMessageInput }
  | { readonly kind: 'welcomeMessage'; readonly message: xmtp.mls.api.v1.WelcomeMessageInput }
  | { readonly kind: 'uploadKeyPackage'; readonly message: xmtp.mls.api.v1.UploadKeyPackageRequest }
  | { readonly kind: 'identityUpdate'; readonly message: xmtp.identity.associations.IdentityUpdate }
  | { readonly kind: 'payerReport'; readonly message: xmtp.xmtpv4.envelopes.PayerReport }
  | {
      readonly kind: 'payerReportAttestation'
      readonly message: xmtp.xmtpv4.envelopes.PayerReportAttestation
    }

function decode<T>(type: { decode(bytes: Uint8Array): T }, payload: ClientPayload): T {
  try {
    return decodeMessage(type, payload.bytes)
  } catch (cause) {
    throw new EnvelopeError('Envelope::Malformed', `the ${payload.kind} payload does not decode`, { cause })
  }
}

/**
 * Decodes a payload into its `xmtp.mls.api.v1` / `xmtp.identity.associations` / `xmtp.xmtpv4.envelopes`
 * message (protobuf rules: unknown fields skipped).
 * @throws {EnvelopeError} `Envelope::Malformed` when the bytes do not decode (the `cause` is the ProtoError).
 */
export function decodeClientPayload(payload: ClientPayload): DecodedClientPayload {
  const v1 = xmtp.mls.api.v1
  switch (payload.kind) {
    case 'groupMessage':
      return { kind: payload.kind, message: decode(v1.GroupMessageInput, payload) }
    case 'welcomeMessage':
      return { kind: payload.kind, message: decode(v1.WelcomeMessageInput, payload) }
    case 'uploadKeyPackage':
      return { kind: payload.kind, message: decode(v1.UploadKeyPackageRequest, payload) }
    case 'identityUpdate':
      return { kind: payload.kind, message: decode(xmtp.identity.associations.IdentityUpdate, payload) }
    case 'payerReport':
      return { kind: payload.kind, message: decode(xmtp.xmtpv4.envelopes.PayerReport, payload) }
    case 'payerReportAttestation':
      return { kind: payload.kind, message: decode(xmtp.xmtpv4.envelopes.PayerReportAttestation, payload) }
  }
}
