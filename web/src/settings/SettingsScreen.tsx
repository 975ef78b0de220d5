import type { User } from '../lib/types.js';
import { BlockedSection } from './BlockedSection.js';
import { DeleteSection } from './DeleteSection.js';
import { PasswordSection } from './PasswordSection.js';
import { ProfileSection } from './ProfileSection.js';
import { SessionsSection } from './SessionsSection.js';
import './settings.css';

/** Settings at /settings: the account's name, password, sessions, blocked people, and deleting it. */
export function SettingsScreen({ user }: { user: User }) {
  return (
    <section class="screen settings">
      <h1>Settings</h1>
      <ProfileSection user={user} />
      <PasswordSection />
      <SessionsSection />
      <BlockedSection />
      <DeleteSection user={user} />
    </section>
  );
}
