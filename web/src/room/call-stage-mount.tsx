import { render } from 'preact';
import { CallStage } from './CallStage.js';
import type { RoomSession } from './room-session.js';

/** Mounts the call stage into the (plain TS) room screen; returns what unmounts it. */
export function mountCallStage(el: HTMLElement, session: RoomSession): () => void {
  render(<CallStage session={session} />, el);
  return () => render(null, el);
}
