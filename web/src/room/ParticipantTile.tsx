import { useComputed, useSignal } from '@preact/signals';
import { MicOff, Volume2 } from 'lucide-preact';
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import type { Member } from '../lib/types.js';
import { peerVolume, setPeerVolume } from './call-audio.js';
import type { Quality } from './quality.js';
import { useLevel } from './use-level.js';
import { VideoView } from './VideoView.js';
import './participant-tile.css';

/** Above this level a person counts as speaking: the fake tone and speech pass it, room noise does not. */
const SPEAKING = 0.15;

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts;
  return letters.map((p) => [...p][0]!.toUpperCase()).join('') || '?';
}

/**
 * One person on the call stage: initials, name and @username, a ring while they speak, a muted
 * mark, how good their connection is and (for others) their volume and `verify`, the way to the
 * code of the connection to them. `self` is this tab.
 */
export function ParticipantTile(props: {
  member: Member;
  stream: MediaStream | null | undefined;
  self: boolean;
  muted: boolean;
  quality?: Quality;
  verify?: ComponentChildren;
  /** Their camera while it is on: it fills the tile, and the name and marks sit on it. */
  camera?: MediaStream | null;
}) {
  const { member, stream, self, muted, quality, verify, camera } = props;
  // The level changes many times a second: it is bound to the DOM through signals (the ring's class,
  // the meter's value) and never read during render, so the tile itself re-renders only when its
  // person, mute or quality changes.
  const level = useLevel(stream);
  const mutedNow = useSignal(muted);
  useEffect(() => {
    mutedNow.value = muted;
  }, [muted]);
  const speaking = useComputed(() => !mutedNow.value && level.value > SPEAKING);
  const tileClass = useComputed(() => (speaking.value ? 'tile speaking' : 'tile'));
  const speakingAttr = useComputed(() => (speaking.value ? 'true' : 'false'));
  const speakingWord = useComputed(() => (speaking.value ? 'speaking' : ''));
  const name = member.user.displayName;
  const descId = `quality-${member.peerId}`;
  return (
    <li
      class={tileClass}
      data-peer={member.peerId}
      data-speaking={speakingAttr}
      data-video={camera ? 'camera' : undefined}
      aria-label={`${name}${self ? ' (you)' : ''}`}
    >
      {camera ? (
        // Your own camera is shown as a mirror, as every call app does: moving left moves left.
        <VideoView stream={camera} class="tile-video" mirror={self} label={self ? 'Your camera' : `Camera of ${name}`} />
      ) : (
        <span class="tile-avatar" aria-hidden="true">
          {initials(name)}
        </span>
      )}
      <span class="tile-name">
        <bdi>{name}</bdi>
        {self ? ' (you)' : null} <span class="handle">@{member.user.username}</span>
      </span>
      <span class="tile-marks">
        <span class="visually-hidden">{speakingWord}</span>
        {muted ? <MicOff class="tile-muted" role="img" aria-label="Microphone off" size={18} /> : null}
        <meter class="tile-level" min={0} max={1} value={level} aria-label={self ? 'Your microphone level' : `Audio level of ${name}`} />
        {quality ? (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so that a keyboard reaches its figures (the title and its description).
          <span class={`tile-quality ${quality.label}`} tabIndex={0} title={quality.numbers} aria-describedby={descId}>
            Connection {quality.label}
            <span id={descId} class="visually-hidden">
              {quality.numbers}
            </span>
          </span>
        ) : null}
        {verify}
      </span>
      {self ? null : (
        <label class="tile-volume">
          <span class="visually-hidden">Volume of {name}</span>
          <Volume2 aria-hidden="true" size={18} />
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={peerVolume(member.peerId)}
            onInput={(e) => setPeerVolume(member.peerId, Number((e.target as HTMLInputElement).value))}
          />
        </label>
      )}
    </li>
  );
}
