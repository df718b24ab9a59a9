/**
 * The wire protocol version of xmtp-lite, separate from npm semver (style-anchors §3.4: npm versions are not
 * the wire version).
 * @module
 */

/**
 * The version of the wire formats this package speaks: the xmtpd envelope layers of `xmtp.xmtpv4.envelopes`
 * (xmtpd v1.3.0, proto f5191f7), kind-prefixed topics v1, V3 string topics `/xmtp/mls/1/`. Bumped on any
 * change that an older peer could not read; peers compare it, never the npm version.
 */
export const PROTOCOL_VERSION = 1
