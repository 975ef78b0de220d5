import { signal, useSignal, useSignalEffect } from '@preact/signals';
import { sessionEnded } from '../lib/session.js';
import { describeAgent, endOtherSessions, endSession, errorWords, listSessions, type SessionInfo } from './settings-api.js';

/** Bumped when something else on the screen ended sessions (a password change): the list asks again. */
export const sessionsChanged = signal(0);

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/** Where the account is signed in, this browser first-marked, each with its own "Sign out". */
export function SessionsSection() {
  const sessions = useSignal<SessionInfo[] | undefined>(undefined);
  const error = useSignal('');
  const done = useSignal('');

  async function load() {
    try {
      sessions.value = (await listSessions()).sessions;
      error.value = '';
    } catch (err) {
      error.value = errorWords(err);
    }
  }
  useSignalEffect(() => {
    void sessionsChanged.value;
    void load();
  });

  async function end(s: SessionInfo) {
    done.value = '';
    try {
      await endSession(s.id);
      // Ending this browser's own session is a sign-out, as the server treats it.
      if (s.current) return sessionEnded();
      done.value = `Signed out ${describeAgent(s.userAgent)}.`;
      await load();
    } catch (err) {
      error.value = errorWords(err);
    }
  }

  async function endOthers() {
    done.value = '';
    try {
      await endOtherSessions();
      done.value = 'Your other sessions were signed out.';
      await load();
    } catch (err) {
      error.value = errorWords(err);
    }
  }

  const list = sessions.value;
  return (
    <section class="card" aria-labelledby="sessions-h">
      <h2 id="sessions-h">Your sessions</h2>
      {list === undefined ? (
        !error.value && <p>Loading…</p>
      ) : (
        <ul class="settings-list" aria-labelledby="sessions-h">
          {list.map((s) => (
            <li key={s.id}>
              <span id={`session-${s.id}`}>
                <strong>{describeAgent(s.userAgent)}</strong>
                {s.current && <span class="tag">This browser</span>}
                <br />
                <small class="hint">
                  Last used {when(s.lastUsedAt)} · signed in {when(s.createdAt)}
                </small>
              </span>
              <button type="button" aria-describedby={`session-${s.id}`} onClick={() => void end(s)}>
                Sign out
              </button>
            </li>
          ))}
        </ul>
      )}
      <p class="error" role="alert">
        {error.value}
      </p>
      <div class="actions">
        <button type="button" disabled={!list || list.length < 2} onClick={() => void endOthers()}>
          Sign out other sessions
        </button>
        <span class="status" role="status">
          {done.value}
        </span>
      </div>
    </section>
  );
}
