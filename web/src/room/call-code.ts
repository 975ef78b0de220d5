/**
 * The code two people in a call read to each other to check that nobody sits between their
 * browsers (docs/security.md). Each end of a WebRTC connection names the certificate of its DTLS
 * key in its session description (`a=fingerprint:`); the media is encrypted with keys agreed in
 * a DTLS handshake that each side checks against the fingerprint the other sent. Someone who
 * rewrites the signalling to stand in the middle must put its own fingerprints in, so the pair of
 * fingerprints each browser sees, and the code made from them, differs between the two ends.
 *
 * The code is SHA-256 over a fixed label and the two fingerprints in sorted order (both ends hash
 * the same bytes whichever of them is "local"), of which the first 30 bits pick five symbols from
 * 64 (code-symbols.ts gives each an emoji and a word; they stay out of the first load).
 */

/** How many symbols a code has; each carries 6 bits. */
export const CODE_LENGTH = 5;
const BITS_PER_SYMBOL = 6;
/** Keeps this hash apart from any other use of the same fingerprints. */
const LABEL = 'parley call code v1';
/** Hash functions a fingerprint may use, the one to prefer first (every current browser sends SHA-256). */
const PREFERRED = ['sha-256', 'sha-384', 'sha-512', 'sha-1'];

/**
 * One side's fingerprint from its session description, as `sha-256 AB:CD:…`: the session-level
 * and media-level `a=fingerprint:` lines, hex in upper case, of the preferred hash function.
 * Several different certificates (one per media section, never seen from a browser) are all kept,
 * sorted and joined. Undefined when the description names none.
 */
export function sdpFingerprint(sdp: string): string | undefined {
  const byAlgorithm = new Map<string, Set<string>>();
  for (const [, algorithm, hex] of sdp.matchAll(/^a=fingerprint:[ \t]*(\S+)[ \t]+([0-9A-Fa-f:]+)[ \t]*\r?$/gm)) {
    const name = algorithm!.toLowerCase();
    const values = byAlgorithm.get(name) ?? new Set<string>();
    values.add(hex!.toUpperCase());
    byAlgorithm.set(name, values);
  }
  const algorithm = PREFERRED.find((a) => byAlgorithm.has(a)) ?? [...byAlgorithm.keys()].sort()[0];
  if (!algorithm) return undefined;
  return [...byAlgorithm.get(algorithm)!]
    .sort()
    .map((hex) => `${algorithm} ${hex}`)
    .join(',');
}

/**
 * The code for the connection between the ends that sent `localSdp` and `remoteSdp`: five numbers
 * from 0 to 63, the same at both ends when each saw the other's real fingerprint. Undefined when
 * either description names no fingerprint.
 */
export async function callCode(localSdp: string, remoteSdp: string): Promise<number[] | undefined> {
  const local = sdpFingerprint(localSdp);
  const remote = sdpFingerprint(remoteSdp);
  if (!local || !remote) return undefined;
  const input = [LABEL, ...[local, remote].sort()].join('\n');
  const digest = new DataView(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input)));
  const first = digest.getUint32(0);
  return Array.from({ length: CODE_LENGTH }, (_, i) => (first >>> (32 - BITS_PER_SYMBOL * (i + 1))) & 63);
}
