/**
 * The version string this client reports to nodes (`x-xmtp-lite-version`).
 * @module
 */

/** The version string this client reports to nodes. */
export const clientVersion = 'xmtp-lite/0.0.0'
