import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { personText } from '../lib/person.js';
import { errorWords, listBlocked, unblock, type BlockedPerson } from './settings-api.js';

/** The people whose messages this account refuses; blocking happens in their conversation. */
export function BlockedSection() {
  const people = useSignal<BlockedPerson[] | undefined>(undefined);
  const error = useSignal('');
  const done = useSignal('');

  async function load() {
    try {
      people.value = (await listBlocked()).users;
      error.value = '';
    } catch (err) {
      error.value = errorWords(err);
    }
  }
  useEffect(() => void load(), []);

  async function remove(p: BlockedPerson) {
    done.value = '';
    try {
      await unblock(p.username);
      done.value = `Unblocked ${personText(p)}. Their messages reach you again.`;
      await load();
    } catch (err) {
      error.value = errorWords(err);
    }
  }

  const list = people.value;
  return (
    <section class="card" aria-labelledby="blocked-h">
      <h2 id="blocked-h">Blocked people</h2>
      {list && list.length === 0 && <p class="hint">Nobody. To block someone, open your conversation with them and choose “Block”.</p>}
      {list && list.length > 0 && (
        <ul class="settings-list" aria-labelledby="blocked-h">
          {list.map((p) => (
            <li key={p.username}>
              <span id={`blocked-${p.username}`}>{personText(p)}</span>
              <button type="button" aria-describedby={`blocked-${p.username}`} onClick={() => void remove(p)}>
                Unblock
              </button>
            </li>
          ))}
        </ul>
      )}
      <p class="error" role="alert">
        {error.value}
      </p>
      <p class="status" role="status">
        {done.value}
      </p>
    </section>
  );
}
