import { Paperclip } from 'lucide-preact';
import { useRef } from 'preact/hooks';
import type { Member } from '../lib/types.js';
import type { RoomSession } from './room-session.js';
import './send-file.css';

/**
 * "Send file": picks a file and offers it, peer to peer (file-transfer.ts), to everyone else in
 * the call (`to` omitted: the control bar's round button), or to one person: the tabs of `to`'s
 * person in the call (a tile's small button, or the conversation with them). Each receiver is
 * asked first; the transfers show in the call's Files list.
 */
export function SendFileButton({ session, to, where }: { session: RoomSession; to?: Member; where: 'bar' | 'tile' | 'thread' }) {
  const input = useRef<HTMLInputElement>(null);
  const label = to ? `Send a file to ${to.user.displayName}` : 'Send a file to everyone in the call';
  const pick = async () => {
    const file = input.current?.files?.[0];
    if (input.current) input.current.value = '';
    if (!file) return;
    const self = session.peerId.value;
    const peers = [...session.members.value.values()].filter((m) => m.inCall && m.peerId !== self && (!to || m.user.id === to.user.id)).map((m) => m.peerId);
    const files = await session.fileTransfers();
    await files.send(file, peers);
  };
  const icon = <Paperclip aria-hidden="true" size={where === 'bar' ? 22 : 18} />;
  return (
    <>
      <button
        type="button"
        class={where === 'bar' ? 'control send-file' : where === 'tile' ? 'tile-verify tile-send' : 'send-file-thread'}
        title={label}
        onClick={() => input.current?.click()}
      >
        {icon}
        {where === 'thread' ? (
          <span class="send-file-label">
            Send file<span class="visually-hidden">{` to ${to?.user.displayName ?? ''}`}</span>
          </span>
        ) : (
          <span class={where === 'bar' ? 'control-label' : 'visually-hidden'}>{label}</span>
        )}
      </button>
      <input ref={input} type="file" hidden tabIndex={-1} aria-hidden="true" onChange={() => void pick()} />
    </>
  );
}
