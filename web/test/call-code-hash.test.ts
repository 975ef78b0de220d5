import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CODE_LENGTH, callCode, sdpFingerprint } from '../src/room/call-code.js';
import { CODE_SYMBOLS } from '../src/room/code-symbols.js';

/**
 * How a call's code is made from two session descriptions (web/src/room/call-code.ts), without a
 * browser. The expected codes are worked out here a second way, with node:crypto, from the
 * recipe docs/security.md gives.
 */
const randomFingerprint = () => [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

/** A description as Chromium writes one for an audio call, cut to the lines around the fingerprint. */
function description(fingerprint: string, options: { sessionLevel?: boolean; extra?: string[] } = {}): string {
  const fp = `a=fingerprint:sha-256 ${fingerprint}`;
  const lines = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=msid-semantic: WMS'];
  if (options.sessionLevel) lines.push(fp);
  lines.push('m=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0', 'a=ice-ufrag:x4Zb', 'a=ice-pwd:8mUq0kU8P0PXbXzV6Zr1qzS1');
  if (!options.sessionLevel) lines.push(fp);
  lines.push('a=setup:actpass', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', ...(options.extra ?? []));
  return `${lines.join('\r\n')}\r\n`;
}

/** The recipe: SHA-256 of the label and the two `sha-256 <HEX>` strings sorted, one a line; the first 30 bits, 6 at a time. */
function expectedCode(a: string, b: string): number[] {
  const input = ['parley call code v1', ...[`sha-256 ${a}`, `sha-256 ${b}`].sort()].join('\n');
  const first = createHash('sha256').update(input).digest().readUInt32BE(0);
  return [0, 1, 2, 3, 4].map((i) => (first >>> (26 - 6 * i)) & 63);
}

describe('the code of a call', () => {
  it('is the same at both ends: five symbols from the hash of both fingerprints', async () => {
    const [a, b] = [randomFingerprint(), randomFingerprint()];
    const atA = await callCode(description(a), description(b));
    const atB = await callCode(description(b), description(a));
    expect(atA).toHaveLength(CODE_LENGTH);
    expect(atB).toEqual(atA);
    expect(atA).toEqual(expectedCode(a, b));
  });

  it('reads session-level and media-level fingerprints alike, in either case, and prefers SHA-256', async () => {
    const [a, b] = [randomFingerprint(), randomFingerprint()];
    const code = expectedCode(a, b);
    expect(await callCode(description(a, { sessionLevel: true }), description(b))).toEqual(code);
    expect(await callCode(description(a.toLowerCase()), description(b))).toEqual(code);
    const withSha1 = description(a, { extra: ['a=fingerprint:sha-1 01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67'] });
    expect(sdpFingerprint(withSha1)).toBe(`sha-256 ${a}`);
    expect(await callCode(withSha1, description(b))).toEqual(code);
  });

  it('changes when either fingerprint changes, even by one digit', async () => {
    for (let i = 0; i < 200; i++) {
      const [a, b] = [randomFingerprint(), randomFingerprint()];
      const flipped = `${b.slice(0, -1)}${b.endsWith('0') ? '1' : '0'}`;
      const honest = await callCode(description(a), description(b));
      expect(await callCode(description(a), description(flipped))).not.toEqual(honest);
      expect(await callCode(description(randomFingerprint()), description(b))).not.toEqual(honest);
    }
  });

  it('is not made when a description names no fingerprint', async () => {
    const bare = description(randomFingerprint()).replace(/^a=fingerprint:.*\r\n/m, '');
    expect(sdpFingerprint(bare)).toBeUndefined();
    expect(await callCode(bare, description(randomFingerprint()))).toBeUndefined();
    expect(await callCode(description(randomFingerprint()), bare)).toBeUndefined();
  });

  it('uses all 64 symbols in every place, and the symbols are told apart by emoji and by word', async () => {
    expect(new Set(CODE_SYMBOLS.map((s) => s.emoji)).size).toBe(64);
    expect(new Set(CODE_SYMBOLS.map((s) => s.word.toLowerCase())).size).toBe(64);
    const seen = Array.from({ length: CODE_LENGTH }, () => new Set<number>());
    for (let i = 0; i < 3000; i++) {
      const code = (await callCode(description(randomFingerprint()), description(randomFingerprint())))!;
      for (const [place, n] of code.entries()) seen[place]!.add(n);
    }
    for (const place of seen) expect(place.size).toBe(64);
  });
});
