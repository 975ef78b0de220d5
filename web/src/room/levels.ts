import { watchLevel } from '../lib/sound.js';

/**
 * One level watcher per stream, shared by everything that shows it (the member list's meter and
 * the stage's tile). A second MediaStreamSource on the same microphone track was seen to break an
 * ICE-restart offer in Chromium ("Failed to set SSL role", web/test/call-recovery.test.ts).
 */
const watchers = new Map<MediaStream, { stop: () => void; listeners: Set<(level: number) => void> }>();

export function subscribeLevel(stream: MediaStream, onLevel: (level: number) => void): () => void {
  let w = watchers.get(stream);
  if (!w) {
    const listeners = new Set<(level: number) => void>();
    w = {
      listeners,
      stop: watchLevel(stream, (l) => {
        for (const f of listeners) f(l);
      }),
    };
    watchers.set(stream, w);
  }
  const entry = w;
  entry.listeners.add(onLevel);
  return () => {
    entry.listeners.delete(onLevel);
    if (entry.listeners.size === 0 && watchers.get(stream) === entry) {
      entry.stop();
      watchers.delete(stream);
    }
  };
}
