import './Avatar.css';

/** A round initial with the person's presence dot: decorative, the name beside it says who and whether online. */
export function Avatar({ name, online }: { name: string; online?: boolean }) {
  const initial = [...name.trim()][0]?.toUpperCase() ?? '?';
  return (
    <span class="avatar" aria-hidden="true">
      <bdi>{initial}</bdi>
      {online !== undefined && <span class={`avatar-presence ${online ? 'online' : ''}`} />}
    </span>
  );
}
