import { effect } from '@preact/signals';
import { audioSettings } from './audio-settings.js';
import type { RoomSession } from './room-session.js';

/**
 * Push-to-talk: while it is on, the call's microphone stays muted except while Space is held,
 * anywhere in the page (the room, Messages, Home) except where Space is typed or toggles
 * something: text fields, selects, check boxes and radio buttons, editable text. On a focused
 * button Space talks rather than presses it (Enter still presses it). Space's own default (the
 * page scrolling) is prevented. Leaving the window or hiding the tab lets go, so the microphone
 * never stays open behind the person's back. Turned off mid-call, the microphone stays muted
 * until the person unmutes it: no surprise of a microphone that is suddenly open.
 *
 * Each press and release mutes and unmutes at once (Call.setMuted) through RoomSession.setMuted,
 * which tells the room at most twice a second (the server's state budget): others see "talking"
 * in step with longer speech, and a quick tap may not reach them at all, which costs nothing.
 */
export function pushToTalkOn(): boolean {
  return audioSettings.pushToTalk.peek();
}

/** While `session`'s call lasts: follows the setting, on and off. Returns what stops it. */
export function watchPushToTalk(session: RoomSession): () => void {
  let letGo: (() => void) | undefined;
  const stop = effect(() => {
    const on = audioSettings.pushToTalk.value;
    letGo?.();
    letGo = undefined;
    session.pushToTalk.value = on;
    if (!on) return;
    if (!session.muted.peek()) session.setMuted(true);
    letGo = holdToTalk(session);
  });
  return () => {
    stop();
    letGo?.();
    session.pushToTalk.value = false;
  };
}

function holdToTalk(session: RoomSession): () => void {
  let holding = false;
  const talk = (on: boolean) => {
    if (holding === on) return;
    holding = on;
    session.setMuted(!on);
  };
  const isSpace = (e: KeyboardEvent) => e.code === 'Space' || e.key === ' ';
  const down = (e: KeyboardEvent) => {
    if (!isSpace(e) || e.ctrlKey || e.altKey || e.metaKey || usesSpace(e.target)) return;
    e.preventDefault();
    talk(true);
  };
  const up = (e: KeyboardEvent) => {
    if (!isSpace(e) || !holding) return;
    e.preventDefault();
    talk(false);
  };
  const away = () => talk(false);
  const hidden = () => document.visibilityState === 'hidden' && talk(false);
  window.addEventListener('keydown', down, true);
  window.addEventListener('keyup', up, true);
  window.addEventListener('blur', away);
  document.addEventListener('visibilitychange', hidden);
  return () => {
    window.removeEventListener('keydown', down, true);
    window.removeEventListener('keyup', up, true);
    window.removeEventListener('blur', away);
    document.removeEventListener('visibilitychange', hidden);
    talk(false);
  };
}

/** Input types where Space does not type or toggle: there it talks. */
const PRESSABLE = new Set(['button', 'submit', 'reset', 'image', 'range', 'color', 'file']);

/** Whether Space means something of its own at `target`: typing, toggling, choosing. */
function usesSpace(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !PRESSABLE.has(target.type);
}
