import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';

/** How long the call has lasted, m:ss, ticking each second. */
export function CallTimer({ startedAt, class: cls }: { startedAt: number; class?: string }) {
  const now = useSignal(Date.now());
  useEffect(() => {
    const t = setInterval(() => (now.value = Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const s = Math.max(0, Math.floor((now.value - startedAt) / 1000));
  return (
    <span class={cls} role="timer" aria-label="Time in call">
      {Math.floor(s / 60)}:{String(s % 60).padStart(2, '0')}
    </span>
  );
}
