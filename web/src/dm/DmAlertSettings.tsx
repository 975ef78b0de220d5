import { useSignal } from '@preact/signals';
import { ringtoneOn, setRingtone } from '../calls/call-alerts.js';
import { desktopOn, dmSoundOn, notificationPermission, setDesktop, setDmSound } from './dm-alerts.js';
import './DmAlertSettings.css';

/**
 * The choices about new messages and calls: the message sound and the
 * ringtone (on unless turned off) and desktop notifications, for messages and
 * incoming calls (off until turned on here; the browser asks for its
 * permission only at that click, never on its own).
 */
export function DmAlertSettings() {
  const refused = useSignal(notificationPermission() === 'denied');
  const unsupported = notificationPermission() === 'unsupported';
  return (
    <fieldset class="dm-alert-settings">
      <legend>Messages and calls</legend>
      <label class="check">
        <input type="checkbox" name="dm-sound" checked={dmSoundOn.value} onChange={(e) => setDmSound(e.currentTarget.checked)} />
        Play a sound
      </label>
      <label class="check">
        <input type="checkbox" name="ringtone" checked={ringtoneOn.value} onChange={(e) => setRingtone(e.currentTarget.checked)} />
        Ring for incoming calls
      </label>
      <label class="check">
        <input
          type="checkbox"
          name="dm-desktop"
          checked={desktopOn.value}
          disabled={unsupported}
          onChange={async (e) => {
            const box = e.currentTarget;
            const ok = await setDesktop(box.checked);
            refused.value = !ok;
            box.checked = desktopOn.value;
          }}
        />
        Desktop notifications while Parley is in the background
      </label>
      {refused.value ? <p class="hint">Your browser blocks notifications from Parley; allow them in its site settings.</p> : null}
    </fieldset>
  );
}
