import type { DmClient } from '../dm/dm-client.js';
import { ApiError, get, OUTAGE_TEXT, post } from '../lib/api.js';
import { field, h, replace, type Screen } from '../lib/dom.js';
import { dmPath, navigate, roomPath } from '../lib/router.js';
import type { Conversation, Person, Room, User } from '../lib/types.js';
import { personName } from '../lib/person.js';
import { Lock } from 'lucide-preact';
import { icon } from '../ui/icon.js';

export const LAST_ROOM_KEY = 'parley:last-room';
const REFRESH_MS = 4000;
// After a failed refresh: 1 s, 2 s, 4 s … up to 30 s, so an outage is not hammered.
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Room names as the server normalises them: trimmed, lower-case, white space runs become '-'. */
export function normaliseRoomName(input: string): string {
  return input.trim().toLowerCase().replace(/\s+/g, '-');
}

/** What the name field says under itself as you type: the name the room will get, or what is wrong. */
export function roomNamePreview(input: string): { ok: boolean; text: string } {
  const room = normaliseRoomName(input);
  if (!room) return { ok: true, text: '' };
  const bad = [...new Set(room.replace(/[a-z0-9_-]/g, ''))];
  if (bad.length > 0) return { ok: false, text: `Room names can’t contain ${bad.map((c) => `“${c}”`).join(' ')}.` };
  if (!ROOM_NAME_PATTERN.test(room)) return { ok: false, text: room.length > 64 ? 'Room names are at most 64 characters.' : 'Start with a letter or a digit.' };
  return { ok: true, text: `Will be created as: ${room}` };
}

/** Home: the rooms (live counts), create or join by name, and people with presence and unread badges. */
export function renderHome(user: User, dm: DmClient): Screen {
  const roomList = h('ul', { class: 'rooms', 'aria-live': 'polite', 'aria-busy': 'true' });
  const peopleList = h('ul', { class: 'people' });
  const error = h('p', { class: 'error', role: 'alert' });

  const name = h('input', { name: 'room', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'room-password', type: 'password', autocomplete: 'new-password', maxlength: 256 });
  const capacity = h('input', { name: 'capacity', type: 'number', min: 2, max: 16, value: '8', inputmode: 'numeric' });
  const preview = h('p', { class: 'hint room-preview', id: `room-preview-${Math.random().toString(36).slice(2, 9)}`, 'aria-live': 'polite' });
  name.addEventListener('input', () => {
    const { ok, text } = roomNamePreview(name.value);
    preview.textContent = text;
    preview.classList.toggle('error', !ok);
  });

  /**
   * Opens a room, unless it is gone or full: a full room would otherwise ask for its password
   * first and only then say it is full.
   */
  async function openRoom(room: string) {
    error.textContent = '';
    try {
      const { room: info } = await get<{ room: Room }>(`/api/rooms/${encodeURIComponent(room)}`);
      if (info.members >= info.capacity) {
        error.textContent = `“${room}” is full (${info.members} of ${info.capacity}). Try again when someone leaves.`;
        return;
      }
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.code === 'invalid_room_name')) {
        error.textContent = `There is no room called “${room}”.`;
        return;
      }
      // Anything else (an outage): let the room screen say what is wrong.
    }
    navigate(roomPath(room));
  }

  async function create(event: SubmitEvent) {
    event.preventDefault();
    error.textContent = '';
    const room = normaliseRoomName(name.value);
    if ((event.submitter as HTMLButtonElement | null)?.value === 'join') {
      if (!room) return void (error.textContent = 'Enter the name of the room to join.');
      return openRoom(room);
    }
    try {
      await post('/api/rooms', { name: room, password: password.value || undefined, capacity: Number(capacity.value) || 8 });
      navigate(roomPath(room));
    } catch (err) {
      error.textContent =
        err instanceof ApiError && err.code === 'room_exists'
          ? `A room called “${room}” already exists. Join it, or pick another name.`
          : err instanceof ApiError && err.code === 'invalid_room_name'
            ? `${roomNamePreview(name.value).text || 'Enter a name.'} Use a–z, 0–9, - and _.`
            : err instanceof Error
              ? err.message
              : 'Could not create the room.';
    }
  }

  // Offered only once the room is known to still exist; a deleted one is forgotten.
  const lastRoomLine = h('p', { hidden: true });
  const lastRoom = localStorage.getItem(LAST_ROOM_KEY);
  if (lastRoom) {
    get<{ room: Room }>(`/api/rooms/${encodeURIComponent(lastRoom)}`)
      .then(() => {
        replace(lastRoomLine, 'Last time you were in ', h('a', { href: roomPath(lastRoom), 'data-link': true, on: { click: joinFromLink(lastRoom) } }, lastRoom), '.');
        lastRoomLine.hidden = false;
      })
      .catch((err) => {
        if (err instanceof ApiError && (err.status === 404 || err.status === 400)) localStorage.removeItem(LAST_ROOM_KEY);
      });
  }
  function joinFromLink(room: string) {
    return (event: MouseEvent) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      void openRoom(room);
    };
  }
  const form = h(
    'form',
    { class: 'card', on: { submit: create } },
    h('h2', {}, 'Start or join a room'),
    field('Room name', name, 'Lower-case a–z, 0–9, - and _, starting with a letter or digit; spaces become -.'),
    preview,
    h(
      'details',
      {},
      h('summary', {}, 'Room options'),
      field('Room password (optional)', password, 'People joining will need it; you will not.'),
      field('Capacity', capacity, '2 to 16 people.'),
    ),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', value: 'create', class: 'primary' }, 'Create room'), h('button', { type: 'submit', value: 'join' }, 'Join room')),
    lastRoomLine,
  );

  function renderRooms(rooms: Room[]) {
    roomList.setAttribute('aria-busy', 'false');
    if (rooms.length === 0) return replace(roomList, h('li', { class: 'empty' }, 'No rooms yet. Create the first one.'));
    replace(
      roomList,
      rooms.map((r) =>
        h(
          'li',
          {},
          h('a', { href: roomPath(r.name), 'data-link': true, on: { click: joinFromLink(r.name) } }, r.name),
          r.locked ? h('span', { class: 'lock', title: 'Needs a password' }, icon(Lock, 16), h('span', { class: 'visually-hidden' }, '(locked)')) : null,
          h('span', { class: 'count' }, r.members >= r.capacity ? `Full: ${r.members} of ${r.capacity}` : `${r.members} of ${r.capacity} here`),
          h('span', { class: 'owner' }, `by @${r.owner}`),
        ),
      ),
    );
  }

  // People: the conversations (with unread counts) and anyone found by search, with presence.
  const people = new Map<string, Person & { unread: number }>();
  function renderPeople() {
    const list = [...people.values()];
    if (list.length === 0) return replace(peopleList, h('li', { class: 'empty' }, 'No conversations yet. Find someone below.'));
    replace(
      peopleList,
      list.map((p) =>
        h(
          'li',
          {},
          h('span', { class: `presence ${p.online ? 'online' : ''}`, 'aria-hidden': 'true' }),
          h('a', { href: dmPath(p.username), 'data-link': true }, personName(p)),
          h('span', { class: 'visually-hidden' }, p.online ? ', online' : ', offline'),
          p.unread > 0 ? h('span', { class: 'badge', 'aria-label': `${p.unread} unread` }, String(p.unread)) : null,
        ),
      ),
    );
  }

  const search = h('input', { name: 'people-search', type: 'search', autocapitalize: 'none', spellcheck: 'false', maxlength: 64 });
  const results = h('ul', { class: 'people' });
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const q = search.value.trim();
      if (!q) return replace(results);
      try {
        const found = (await get<{ users: Person[] }>(`/api/users?q=${encodeURIComponent(q)}`)).users.filter((u) => u.username !== user.username);
        replace(
          results,
          found.length === 0
            ? h('li', { class: 'empty' }, `Nobody by that name. Search finds usernames and display names that start with “${q}”.`)
            : found.map((u) => h('li', {}, h('span', { class: `presence ${u.online ? 'online' : ''}`, 'aria-hidden': 'true' }), h('a', { href: dmPath(u.username), 'data-link': true }, personName(u)))),
        );
      } catch (err) {
        replace(results, h('li', { class: 'error' }, err instanceof ApiError && err.status === 400 ? err.message : OUTAGE_TEXT.replace(' — retrying…', '. Try again in a moment.')));
      }
    }, 250);
  });

  let stopped = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outage = () => h('li', { class: 'error outage' }, OUTAGE_TEXT);
  async function refresh() {
    clearTimeout(timer);
    let failed = false;
    try {
      renderRooms((await get<{ rooms: Room[] }>('/api/rooms')).rooms);
    } catch {
      // An empty list would say "no rooms"; the truth is that we do not know.
      failed = true;
      roomList.setAttribute('aria-busy', 'false');
      replace(roomList, outage());
    }
    try {
      const { conversations } = await get<{ conversations: Conversation[] }>('/api/dm/conversations');
      people.clear();
      for (const c of conversations) people.set(c.with.username, { ...c.with, unread: c.unread });
      renderPeople();
    } catch {
      failed = true;
      replace(peopleList, outage());
    }
    failures = failed ? failures + 1 : 0;
    if (stopped) return;
    const delay = failed ? Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1)) : REFRESH_MS;
    clearTimeout(timer);
    // A hidden tab does not poll, except to find out that an outage is over.
    const tick = () => (document.visibilityState === 'visible' || failures > 0 ? void refresh() : (timer = setTimeout(tick, REFRESH_MS)));
    timer = setTimeout(tick, delay);
  }
  void refresh();
  const off = [
    dm.on('presence', (p) => {
      const known = people.get(p.username);
      if (known) {
        known.online = p.online;
        renderPeople();
      }
    }),
    // Presence changes announced while the socket was down never arrive: ask again.
    dm.on('connected', () => void refresh()),
    dm.on('message', () => void refresh()),
    dm.on('read', () => void refresh()),
  ];

  const el = h(
    'section',
    { class: 'screen home' },
    h('h1', {}, `Hello, ${user.displayName}`),
    h('div', { class: 'columns' }, h('div', {}, form, h('section', { class: 'card', 'aria-labelledby': 'rooms-h' }, h('h2', { id: 'rooms-h' }, 'Rooms'), roomList)), h('section', { class: 'card', 'aria-labelledby': 'people-h' }, h('h2', { id: 'people-h' }, 'People'), peopleList, field('Find people', search), results)),
  );
  return {
    el,
    title: 'Rooms',
    dispose() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(searchTimer);
      for (const o of off) o();
    },
  };
}
