// Generates message ids (`mid`), the key Sunbird and our collector de-duplicate events by.
//
// No Node imports: this runs in browsers, React Native and Node. `crypto.randomUUID` is missing on plain-http pages
// (it needs a secure context) and in older React Native, hence the fallbacks.

type CryptoLike = {
  randomUUID?: () => string;
  getRandomValues?: (array: Uint8Array) => Uint8Array;
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A fresh mid: `"<EID>:<uuid v4>"` as in the spec's examples, or a bare uuid v4 when no eid is given.
 * Any non-empty string is a valid mid; the eid prefix only makes ids readable in logs.
 */
export function createMid(eid?: string): string {
  const uuid = randomUuid();
  return eid ? `${eid}:${uuid}` : uuid;
}

/** A random (version 4) UUID from the best source of randomness available. */
function randomUuid(): string {
  const crypto = (globalThis as { crypto?: CryptoLike }).crypto;
  // Called as a method: browsers throw "Illegal invocation" when randomUUID is detached from crypto.
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') {
    crypto.getRandomValues(bytes);
  } else {
    // Last resort (old React Native without a crypto polyfill): not cryptographic, but mids need uniqueness, not secrecy.
    for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  }
  return formatUuidV4(bytes);
}

/** Formats 16 random bytes as a version 4, RFC 4122 variant UUID. */
function formatUuidV4(bytes: Uint8Array): string {
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[bytes[i]];
  }
  return out;
}
