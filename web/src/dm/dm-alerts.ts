import { signal } from '@preact/signals';
import { callLine, countsUnread } from '../calls/call-words.js';
import { inviteSummary } from '../invites/invite-words.js';
import { audioContext } from '../lib/sound.js';
import { personText } from '../lib/person.js';
import type { DirectMessage } from '../lib/types.js';
import type { DmSession } from './dm-session.js';

/**
 * What a new DM from someone else does beyond the DM screen: a short sound
 * (unless turned off, or the thread is open in a focused window), a desktop
 * notification while the page is hidden (only once the person turned them
 * on with a click, which is when the browser asks), and a toast while
 * another screen is shown. The choices are kept in localStorage, per browser.
 */
const SOUND_KEY = 'parley:dm-sound';
const NOTIFY_KEY = 'parley:dm-notifications';

export const dmSoundOn = signal(localStorage.getItem(SOUND_KEY) !== 'off');
export const desktopOn = signal(localStorage.getItem(NOTIFY_KEY) === 'on' && notificationPermission() === 'granted');

export function setDmSound(on: boolean): void {
  localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  dmSoundOn.value = on;
}

export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'function' ? Notification.permission : 'unsupported';
}

/** Turning on asks the browser's permission (this must run from a click); false when refused. */
export async function setDesktop(on: boolean): Promise<boolean> {
  if (on && notificationPermission() !== 'granted') {
    if (notificationPermission() === 'unsupported' || (await Notification.requestPermission()) !== 'granted') return false;
  }
  localStorage.setItem(NOTIFY_KEY, on ? 'on' : 'off');
  desktopOn.value = on;
  return true;
}

/** `call` is a missed call's toast ("Missed call from Ann"), else a message's. */
type Toast = { id: number; from: { username: string; displayName: string }; body: string; call?: boolean };
export const toasts = signal<readonly Toast[]>([]);
const TOAST_MS = 6000;
let nextToast = 1;

export function dismissToast(id: number): void {
  toasts.value = toasts.value.filter((t) => t.id !== id);
}

/** Wires the alerts to a session; returns what undoes it. `onDmScreen` says whether the DM screen is shown. */
export function startDmAlerts(session: DmSession, onDmScreen: () => boolean, open: (username: string) => void): () => void {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const off = session.onIncoming((m: DirectMessage, sender) => {
    // A call's entry is news only when it was missed (the ringtone was its sound); a kind this client does not know, only with text.
    const call = callLine(m, session.me.username);
    const body = call ? call.words : (inviteSummary(m) ?? m.body);
    if (call ? !countsUnread(m) : !body) return;
    const from = sender ?? { username: m.from, displayName: m.from };
    const hidden = document.visibilityState !== 'visible';
    const threadInView = session.openThread.value === m.from && !hidden && document.hasFocus();
    if (dmSoundOn.value && !threadInView && !call) ping();
    if (hidden && desktopOn.value && notificationPermission() === 'granted') {
      // One notification per conversation: a newer message replaces the older one.
      const n = new Notification(personText(from), { body: body.slice(0, 200), tag: `dm:${m.from}` });
      n.onclick = () => {
        window.focus();
        open(m.from);
        n.close();
      };
    }
    if (!hidden && !onDmScreen()) {
      const toast: Toast = { id: nextToast++, from, body: call ? '' : body.slice(0, 120), call: !!call };
      // The newest three at most.
      toasts.value = [...toasts.value.filter((t) => t.from.username !== m.from).slice(-2), toast];
      const timer = setTimeout(() => {
        timers.delete(timer);
        dismissToast(toast.id);
      }, TOAST_MS);
      timers.add(timer);
    }
  });
  return () => {
    off();
    for (const t of timers) clearTimeout(t);
    toasts.value = [];
  };
}

/** Two short rising notes, quieter than the call chimes. */
function ping(): void {
  const ctx = audioContext();
  if (ctx.state === 'running') {
    notes(ctx);
    return;
  }
  // The page's first sound: the context starts suspended. Played if it starts promptly, else dropped.
  const asked = Date.now();
  void ctx
    .resume()
    .then(() => ctx.state === 'running' && Date.now() - asked < 1000 && notes(ctx))
    .catch(() => {});
}

function notes(ctx: AudioContext): void {
  const now = ctx.currentTime;
  for (const [i, freq] of [740, 988].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    const at = now + i * 0.09;
    osc.frequency.setValueAtTime(freq, at);
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.06, at + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.2);
  }
}
