/**
 * Branded types: a `string` or `Uint8Array` that the type system keeps apart from others of the
 * same runtime shape (an inbox id is not a topic, though both are strings).
 * @module
 */

declare const brand: unique symbol

/** `T` tagged with the name `B`; the tag exists only at compile time. */
export type Brand<T, B extends string> = T & { readonly [brand]: B }

/** An XMTP inbox id: 64 lowercase hex characters (SHA-256 of identifier and nonce). */
export type InboxId = Brand<string, 'InboxId'>
/** An installation's Ed25519 public key, 32 bytes. */
export type InstallationKey = Brand<Uint8Array, 'InstallationKey'>
/** An MLS group id (16 random bytes for XMTP groups). */
export type GroupId = Brand<Uint8Array, 'GroupId'>
