import type { DmClient } from '../dm/dm-client.js';
import { ApiError, get, post } from '../lib/api.js';
import { field, h, replace, type Screen } from '../lib/dom.js';
import { dmPath, navigate, roomPath } from '../lib/router.js';
import type { Conversation, Person, Room, User } from '../lib/types.js';
import { personName } from '../lib/person.js';

export const LAST_ROOM_KEY = 'parley:last-room';
const REFRESH_MS = 4000;

/** Room names as the server normalises them: trimmed, lower-case, white space runs become '-'. */
export function normaliseRoomName(input: string): string {
  return input.trim().toLowerCase().replace(/\s+/g, '-');
}

/** Home: the rooms (live counts), create or join by name, and people with presence and unread badges. */
export function renderHome(user: User, dm: DmClient): Screen {
  const roomList = h('ul', { class: 'rooms', 'aria-live': 'polite', 'aria-busy': 'true' });
  const peopleList = h('ul', { class: 'people' });
  const error = h('p', { class: 'error', role: 'alert' });

  const name = h('input', { name: 'room', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'room-password', type: 'password', autocomplete: 'new-password', maxlength: 256 });
  const capacity = h('input', { name: 'capacity', type: 'number', min: 2, max: 16, value: '8', inputmode: 'numeric' });

  async function create(event: SubmitEvent) {
    event.preventDefault();
    error.textContent = '';
    const room = normaliseRoomName(name.value);
    if ((event.submitter as HTMLButtonElement | null)?.value === 'join') {
      if (!room) return void (error.textContent = 'Enter the name of the room to join.');
      navigate(roomPath(room));
      return;
    }
    try {
      await post('/api/rooms', { name: room, password: password.value || undefined, capacity: Number(capacity.value) || 8 });
      navigate(roomPath(room));
    } catch (err) {
      error.textContent =
        err instanceof ApiError && err.code === 'room_exists'
          ? `A room called “${room}” already exists. Join it, or pick another name.`
          : err instanceof ApiError && err.code === 'invalid_room_name'
            ? 'Room names are 1–64 characters: letters, digits, - and _, starting with a letter or digit.'
            : err instanceof Error
              ? err.message
              : 'Could not create the room.';
    }
  }

  const lastRoom = localStorage.getItem(LAST_ROOM_KEY);
  const form = h(
    'form',
    { class: 'card', on: { submit: create } },
    h('h2', {}, 'Start or join a room'),
    field('Room name', name),
    h(
      'details',
      {},
      h('summary', {}, 'Room options'),
      field('Room password (optional)', password, 'People joining will need it; you will not.'),
      field('Capacity', capacity, '2 to 16 people.'),
    ),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', value: 'create', class: 'primary' }, 'Create room'), h('button', { type: 'submit', value: 'join' }, 'Join room')),
    lastRoom ? h('p', {}, 'Last time you were in ', h('a', { href: roomPath(lastRoom), 'data-link': true }, lastRoom), '.') : null,
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
          h('a', { href: roomPath(r.name), 'data-link': true }, r.name),
          r.locked ? h('span', { class: 'lock', title: 'Needs a password' }, ' 🔒', h('span', { class: 'visually-hidden' }, '(locked)')) : null,
          h('span', { class: 'count' }, `${r.members} of ${r.capacity} here`),
          h('span', { class: 'owner' }, `by ${r.owner}`),
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

  const search = h('input', { name: 'people-search', type: 'search', autocapitalize: 'none', spellcheck: 'false', maxlength: 32 });
  const results = h('ul', { class: 'people' });
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const q = search.value.trim().toLowerCase();
      if (!q) return replace(results);
      try {
        const found = (await get<{ users: Person[] }>(`/api/users?q=${encodeURIComponent(q)}`)).users.filter((u) => u.username !== user.username);
        replace(
          results,
          found.length === 0
            ? h('li', { class: 'empty' }, 'Nobody by that name.')
            : found.map((u) => h('li', {}, h('span', { class: `presence ${u.online ? 'online' : ''}`, 'aria-hidden': 'true' }), h('a', { href: dmPath(u.username), 'data-link': true }, personName(u)))),
        );
      } catch {
        replace(results);
      }
    }, 250);
  });

  let stopped = false;
  async function refresh() {
    try {
      renderRooms((await get<{ rooms: Room[] }>('/api/rooms')).rooms);
    } catch {
      // Try again at the next refresh.
    }
    try {
      const { conversations } = await get<{ conversations: Conversation[] }>('/api/dm/conversations');
      people.clear();
      for (const c of conversations) people.set(c.with.username, { ...c.with, unread: c.unread });
      renderPeople();
    } catch {
      // Same.
    }
  }
  void refresh();
  const timer = setInterval(() => !stopped && document.visibilityState === 'visible' && void refresh(), REFRESH_MS);
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
      clearInterval(timer);
      clearTimeout(searchTimer);
      for (const o of off) o();
    },
  };
}
