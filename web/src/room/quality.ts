import type { PeerStats } from './call.js';

export type Quality = { label: 'good' | 'fair' | 'poor'; numbers: string };

/**
 * A connection's quality as people read it, from the browser's own figures. Thresholds follow
 * what makes speech hard to follow: past 300 ms round trip people talk over each other, past
 * 5 % loss words drop out, past 50 ms jitter the buffer adds delay of its own.
 */
export function qualityOf(s: PeerStats, lostBefore = 0, receivedBefore = 0): Quality | undefined {
  if (s.state !== 'connected') return undefined;
  const rttMs = (s.roundTripTime ?? 0) * 1000;
  const jitterMs = (s.jitter ?? 0) * 1000;
  const lost = s.packetsLost - lostBefore;
  const total = lost + s.packetsReceived - receivedBefore;
  const loss = total > 0 ? Math.max(0, lost) / total : 0;
  const label = rttMs > 300 || loss > 0.05 || jitterMs > 50 ? 'poor' : rttMs > 150 || loss > 0.01 || jitterMs > 30 ? 'fair' : 'good';
  const numbers = `round trip ${Math.round(rttMs)} ms, packet loss ${(loss * 100).toFixed(1)} %, jitter ${Math.round(jitterMs)} ms`;
  return { label, numbers };
}
