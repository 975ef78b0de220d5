import { useSignal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { subscribeLevel } from './levels.js';

/** The loudness (0–1) of a stream while the component shows it. */
export function useLevel(stream: MediaStream | null | undefined): Signal<number> {
  const level = useSignal(0);
  useEffect(() => {
    level.value = 0;
    if (!stream) return;
    return subscribeLevel(stream, (l) => (level.value = l));
  }, [stream]);
  return level;
}
