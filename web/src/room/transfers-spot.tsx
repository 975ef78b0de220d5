import { lazy } from '../ui/lazy.js';
import type { RoomSession } from './room-session.js';

const Panel = lazy(() => import('./FileTransfers.js').then((m) => m.FileTransfersPanel));

/**
 * Where a call's file transfers show (the room, the call from a conversation, under the call bar
 * elsewhere): nothing, and nothing fetched, until a file was sent or offered in this call.
 */
export function TransfersSpot({ session }: { session: RoomSession }) {
  const files = session.files.value;
  if (!files || (files.list.value.length === 0 && !files.problem.value)) return null;
  return <Panel files={files} />;
}
