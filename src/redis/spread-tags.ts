import { keySlot } from './key-slot.js';

const SLOTS = 16384;

/**
 * `n` hash tags whose slots are spread evenly over a Redis Cluster's 16384: the i-th tag's slot
 * is within a quarter of a band of the centre of the i-th of `n` equal bands, so any two are at
 * least half a band apart and each tag lands on a different node as long as the cluster has no
 * more than `n` masters of about equal share. Found by trying `<stem><i>.<j>`, j = 0, 1, …: the
 * same tags on every process, with no list to keep.
 */
export function spreadTags(stem: string, n: number): string[] {
  const band = SLOTS / n;
  return Array.from({ length: n }, (_, i) => {
    const centre = band * (i + 0.5);
    for (let j = 0; ; j++) {
      const tag = `${stem}${i}.${j}`;
      if (Math.abs(keySlot(tag) - centre) <= band / 4) return tag;
    }
  });
}
