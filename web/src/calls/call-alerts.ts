import { effect, signal } from '@preact/signals';
import { desktopOn, notificationPermission } from '../dm/dm-alerts.js';
import { personText } from '../lib/person.js';
import type { DmCalls } from './dm-calls.js';
import { startRingtone } from './ringtone.js';

/**
 * What an incoming call does beyond its prompt: the ringtone (on unless turned off, per
 * browser, beside the message sound) while any call rings on this tab, and a desktop
 * notification while the page is in the background, when the person turned notifications on.
 * Both stop when the call is answered (here or on another tab), declined, cancelled or missed.
 */
const RING_KEY = 'parley:ringtone';

export const ringtoneOn = signal(localStorage.getItem(RING_KEY) !== 'off');

export function setRingtone(on: boolean): void {
  localStorage.setItem(RING_KEY, on ? 'on' : 'off');
  ringtoneOn.value = on;
}

/** Wires the ringtone and notifications to the calls; returns what undoes it. */
export function startCallAlerts(calls: DmCalls): () => void {
  let stopTone: (() => void) | undefined;
  const considered = new Set<string>();
  const notes = new Map<string, Notification>();
  const stop = effect(() => {
    const ringing = calls.ringing.value.filter((r) => r.state === 'ringing');
    const tone = ringing.length > 0 && ringtoneOn.value;
    if (tone && !stopTone) stopTone = startRingtone();
    if (!tone && stopTone) {
      stopTone();
      stopTone = undefined;
    }
    for (const r of ringing) {
      if (considered.has(r.id)) continue;
      considered.add(r.id);
      const background = document.visibilityState !== 'visible' || !document.hasFocus();
      if (!background || !desktopOn.peek() || notificationPermission() !== 'granted') continue;
      const n = new Notification(`${personText(r.from)} is calling you`, { body: 'Open Parley to answer.', tag: `call:${r.id}`, requireInteraction: true });
      n.onclick = () => {
        window.focus();
        n.close();
      };
      notes.set(r.id, n);
    }
    for (const [id, n] of notes) {
      if (ringing.some((r) => r.id === id)) continue;
      n.close();
      notes.delete(id);
    }
    for (const id of considered) if (!calls.ringing.value.some((r) => r.id === id)) considered.delete(id);
  });
  return () => {
    stop();
    stopTone?.();
    for (const n of notes.values()) n.close();
  };
}
