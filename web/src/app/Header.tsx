import { House, LogOut, MessageCircle, Settings } from 'lucide-preact';
import { dmPath } from '../lib/router.js';
import { logout } from '../lib/session.js';
import { PersonName } from '../ui/PersonName.js';
import { dmSession, route, user } from './app-state.js';
import './Header.css';

/**
 * The header: the brand, and for a signed-in person the sections, who is
 * signed in and "Log out". On a phone the words are visually hidden and the
 * icons stand in; the accessible names stay the words.
 */
export function Header() {
  const me = user.value;
  const section = route.value.name;
  const unread = dmSession.value?.unreadTotal.value ?? 0;
  return (
    <header class="top">
      <a href="/" data-link class="brand">
        Parley
      </a>
      <nav aria-label="Main">
        {me && (
          <>
            <a href="/" data-link class="nav-item" aria-current={section === 'home' ? 'page' : undefined}>
              <House class="icon" size={20} aria-hidden="true" />
              <span class="nav-label">Rooms</span>
            </a>
            <a
              href={dmPath()}
              data-link
              class="nav-item messages-link"
              aria-current={section === 'dm' ? 'page' : undefined}
              aria-label={unread > 0 ? `Messages, ${unread} unread` : undefined}
            >
              <MessageCircle class="icon" size={20} aria-hidden="true" />
              <span class="nav-label">Messages</span>
              <span class="badge" aria-hidden="true" hidden={unread === 0}>
                {unread}
              </span>
            </a>
            <a href="/settings" data-link class="nav-item" aria-current={section === 'settings' ? 'page' : undefined}>
              <Settings class="icon" size={20} aria-hidden="true" />
              <span class="nav-label">Settings</span>
            </a>
            <span class="who">
              <PersonName user={me} />
            </span>
            <button type="button" class="nav-item" onClick={() => void logout()}>
              <LogOut class="icon" size={20} aria-hidden="true" />
              <span class="nav-label">Log out</span>
            </button>
          </>
        )}
      </nav>
    </header>
  );
}
