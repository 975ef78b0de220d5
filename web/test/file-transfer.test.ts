import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProgress, formatSize, MAX_FILE_BYTES, refusal, sha256Hex, verify } from '../src/room/file-transfer.js';
import { twoInACall, useBrowserAndServer, type UserPage } from './browser.js';

/**
 * Files sent peer to peer in a call (docs/files.md), between two real Parley pages in a call:
 * a 20 MB file arrives intact (its SHA-256 worked out here from the bytes saved on the
 * receiver's side), with the receiver's progress bar moving at least once a second; the receiver
 * can cancel, and the sender sees it stopped, or decline; a file over the limit is refused before anything
 * is sent; a file damaged on the way is found out and thrown away; and 100 MB arrives intact.
 */
const env = useBrowserAndServer();
let ann: UserPage;
let bob: UserPage;

beforeAll(async () => {
  ({ ann, bob } = await twoInACall(env.browser, env.server, 'files'));
});
afterAll(async () => {
  expect([...(ann?.problems ?? []), ...(bob?.problems ?? [])]).toEqual([]);
  await ann?.context().close();
  await bob?.context().close();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const row = (page: UserPage, name: string) => page.locator('.transfer', { hasText: name });

/** Picks `file` with the control bar's Send file (to everyone in the call), as a person would. */
async function sendToEveryone(page: UserPage, file: { name: string; buffer: Buffer }) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Send a file to everyone in the call' }).click()]);
  await chooser.setFiles({ name: file.name, mimeType: 'application/octet-stream', buffer: file.buffer });
}

/**
 * Picks a file of `size` random bytes (zeros with `zeros`) made in the page, with the control
 * bar's Send file: the test driver would take longer to hand the page a large file than the
 * call takes to send it. Returns the file's SHA-256, worked out in the page.
 */
function pickMadeInPage(page: UserPage, name: string, size: number, zeros = false): Promise<string> {
  return page.evaluate(
    async ([n, s, z]) => {
      const bytes = new Uint8Array(s);
      if (!z) for (let i = 0; i < s; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      const input = document.querySelector<HTMLInputElement>('.control-bar input[type="file"]')!;
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], n));
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      if (z) return '';
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    },
    [name, size, zeros] as const,
  );
}

/** Records, in the page, when the progress bar of the incoming `name` changes value (every 20 ms look). */
function watchProgress(page: UserPage, name: string) {
  return page.evaluate((n) => {
    const w = window as unknown as { __progress: number[]; __progressTimer: number };
    w.__progress = [];
    let last = -1;
    clearInterval(w.__progressTimer);
    w.__progressTimer = window.setInterval(() => {
      const row = [...document.querySelectorAll('.transfer[data-direction="in"]')].find((r) => r.textContent?.includes(n));
      const bar = row?.querySelector('progress');
      if (bar && bar.value !== last) {
        last = bar.value;
        w.__progress.push(performance.now());
      }
    }, 20);
  }, name);
}

/** Saves the arrived file through its Save link and returns the bytes as saved. */
async function save(page: UserPage, name: string): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row(page, name)
      .getByRole('link', { name: `Save ${name}` })
      .click(),
  ]);
  expect(download.suggestedFilename()).toBe(name);
  return readFile((await download.path())!);
}

describe('sending a file in a call', () => {
  it('delivers 20 MB intact, asking the receiver first, with progress at least every second', async () => {
    const original = randomBytes(20 * 1024 * 1024);
    await sendToEveryone(ann, { name: 'report.bin', buffer: original });
    await row(ann, 'report.bin').getByText('Waiting for Bob to accept…').waitFor();
    const offer = row(bob, 'report.bin');
    await offer.getByText('Ann wants to send you report.bin (20 MB)').waitFor();
    await watchProgress(bob, 'report.bin');
    const started = Date.now();
    await offer.getByRole('button', { name: 'Accept report.bin' }).click();
    await offer.getByText('Arrived intact (20 MB).').waitFor({ timeout: 30_000 });
    const took = Date.now() - started;
    await row(ann, 'report.bin').getByText('Sent (20 MB).').waitFor();
    const times = await bob.evaluate(() => {
      const w = window as unknown as { __progress: number[]; __progressTimer: number };
      clearInterval(w.__progressTimer);
      return w.__progress;
    });
    expect(times.length).toBeGreaterThan(0);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(0, ...gaps)).toBeLessThanOrEqual(1000);
    const saved = await save(bob, 'report.bin');
    expect(saved.length).toBe(original.length);
    expect(sha256(saved)).toBe(sha256(original));
    console.log(`20 MB: accept to intact in ${took} ms, ${times.length} progress updates, largest gap ${Math.round(Math.max(0, ...gaps))} ms`);
    await row(bob, 'report.bin').getByRole('button', { name: 'Remove report.bin from the list' }).click();
    await row(ann, 'report.bin').getByRole('button', { name: 'Remove report.bin from the list' }).click();
  });

  it('refuses a file over 100 MB with the reason, before anything is sent', async () => {
    await pickMadeInPage(ann, 'huge.iso', MAX_FILE_BYTES + 50 * 1024 * 1024, true);
    await ann.getByRole('alert').filter({ hasText: 'huge.iso (150 MB) is too large: a call sends files of up to 100 MB.' }).waitFor();
    await new Promise((r) => setTimeout(r, 500));
    expect(await ann.locator('.transfer').count()).toBe(0);
    expect(await bob.locator('.transfer').count()).toBe(0);
    await ann.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('stops for both when the receiver cancels', async () => {
    await pickMadeInPage(ann, 'big.bin', 40 * 1024 * 1024);
    const offer = row(bob, 'big.bin');
    await offer.getByRole('button', { name: 'Accept big.bin' }).click();
    await offer.getByRole('button', { name: 'Cancel big.bin' }).click();
    await offer.getByText('You cancelled.').waitFor();
    await row(ann, 'big.bin').getByText('Cancelled by Bob.').waitFor();
    expect(await row(ann, 'big.bin').getByRole('button', { name: 'Cancel big.bin' }).count()).toBe(0);
    expect(await offer.getByRole('link').count()).toBe(0);
  });

  it('sends nothing when the receiver declines, and tells the sender', async () => {
    await pickMadeInPage(ann, 'unwanted.bin', 1024 * 1024);
    const offer = row(bob, 'unwanted.bin');
    await offer.getByRole('button', { name: 'Decline unwanted.bin' }).click();
    await offer.getByText('You declined.').waitFor();
    await row(ann, 'unwanted.bin').getByText('Bob declined.').waitFor();
    expect(await offer.locator('progress').count()).toBe(0);
  });

  it('takes at most 8 unanswered files from one person; the next is turned away with the reason', async () => {
    for (let i = 1; i <= 9; i++) {
      await pickMadeInPage(ann, `many-${i}.bin`, 1024);
      // The rows appear in the order sent; the next file goes once this one is offered.
      if (i <= 8)
        await row(bob, `many-${i}.bin`)
          .getByRole('button', { name: `Decline many-${i}.bin` })
          .waitFor();
    }
    await row(ann, 'many-9.bin').getByText('Bob has 8 of your files to answer already; send this one once they have.').waitFor();
    expect(await row(bob, 'many-9.bin').count()).toBe(0);
    // Answering one frees a place.
    await row(bob, 'many-1.bin').getByRole('button', { name: 'Decline many-1.bin' }).click();
    await pickMadeInPage(ann, 'many-10.bin', 1024);
    await row(bob, 'many-10.bin').getByRole('button', { name: 'Decline many-10.bin' }).click();
    for (let i = 2; i <= 8; i++)
      await row(bob, `many-${i}.bin`)
        .getByRole('button', { name: `Decline many-${i}.bin` })
        .click();
    await row(ann, 'many-8.bin').getByText('Bob declined.').waitFor();
  });

  it('finds out a file damaged on the way, and throws it away', async () => {
    // One byte of the first chunk Ann's browser sends is flipped after the file was hashed.
    await ann.evaluate(() => {
      const send = RTCDataChannel.prototype.send;
      let flipped = false;
      RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
        if (!flipped && ArrayBuffer.isView(data) && (data as Uint8Array).byteLength > 1000) {
          flipped = true;
          const copy = new Uint8Array(data as Uint8Array);
          copy[500] = copy[500]! ^ 0xff;
          RTCDataChannel.prototype.send = send;
          return send.call(this, copy);
        }
        return send.call(this, data);
      };
    });
    const [chooser] = await Promise.all([ann.waitForEvent('filechooser'), ann.getByRole('button', { name: 'Send a file to Bob' }).click()]);
    await chooser.setFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: randomBytes(2 * 1024 * 1024) });
    await row(bob, 'photo.jpg').getByRole('button', { name: 'Accept photo.jpg' }).click();
    await row(bob, 'photo.jpg').getByText('The file arrived damaged and was discarded.').waitFor();
    await row(ann, 'photo.jpg').getByText('The file reached Bob damaged; it was discarded.').waitFor();
    expect(await row(bob, 'photo.jpg').getByRole('link').count()).toBe(0);
  });

  it('delivers 100 MB intact', async () => {
    const expected = await pickMadeInPage(ann, 'video.mp4', MAX_FILE_BYTES);
    const offer = row(bob, 'video.mp4');
    await offer.getByText('Ann wants to send you video.mp4 (100 MB)').waitFor();
    const started = Date.now();
    await offer.getByRole('button', { name: 'Accept video.mp4' }).click();
    await offer.getByText('Arrived intact (100 MB).').waitFor({ timeout: 80_000 });
    const took = Date.now() - started;
    const saved = await save(bob, 'video.mp4');
    expect(saved.length).toBe(MAX_FILE_BYTES);
    expect(sha256(saved)).toBe(expected);
    console.log(`100 MB: accept to intact in ${took} ms`);
  }, 120_000);

  it('in a call from a conversation, sends from the conversation to the call screen', async () => {
    for (const page of [ann, bob]) await page.getByRole('button', { name: 'Leave call' }).click();
    await ann.goto(`/dm/${bob.username}`);
    await bob.goto('/');
    await ann
      .getByRole('main')
      .getByRole('button', { name: /^Call / })
      .click();
    await bob.getByRole('alertdialog', { name: 'Incoming call' }).getByRole('button', { name: 'Accept' }).click();
    await bob.getByRole('heading', { level: 1, name: /Call with Ann/ }).waitFor();
    await ann.getByRole('heading', { level: 1, name: /Call with Bob/ }).waitFor();
    await ann.getByRole('button', { name: 'Leave call' }).waitFor();
    // Back to the conversation (as its link does: the call goes on): Send file is offered there.
    await ann.evaluate((path) => {
      history.pushState(null, '', path);
      dispatchEvent(new PopStateEvent('popstate'));
    }, `/dm/${bob.username}`);
    const original = randomBytes(1024 * 1024);
    const [chooser] = await Promise.all([ann.waitForEvent('filechooser'), ann.getByRole('button', { name: 'Send file to Bob' }).click()]);
    await chooser.setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: original });
    const offer = row(bob, 'notes.txt');
    await offer.getByText('Ann wants to send you notes.txt (1 MB)').click();
    await offer.getByRole('button', { name: 'Accept notes.txt' }).click();
    await offer.getByText('Arrived intact (1 MB).').waitFor();
    // Ann reads the conversation: her transfers show under the call bar.
    await row(ann, 'notes.txt').getByText('Sent (1 MB).').waitFor();
    expect(sha256(await save(bob, 'notes.txt'))).toBe(sha256(original));
  });
});

describe('the transfer rules', () => {
  it('refuses files over 100 MB and empty ones, and allows up to the limit', () => {
    expect(refusal({ name: 'a', size: MAX_FILE_BYTES })).toBeUndefined();
    expect(refusal({ name: 'a', size: MAX_FILE_BYTES + 1 })).toMatch(/too large/);
    expect(refusal({ name: 'a', size: 0 })).toMatch(/empty/);
  });

  it('checks bytes against the offered hash', async () => {
    const bytes = randomBytes(100_000);
    const hash = await sha256Hex(bytes);
    expect(hash).toBe(sha256(bytes));
    expect(await verify(bytes, hash)).toBe(true);
    bytes[7] = bytes[7]! ^ 1;
    expect(await verify(bytes, hash)).toBe(false);
  });

  it('says sizes and progress as people read them', () => {
    expect(formatSize(20 * 1024 * 1024)).toBe('20 MB');
    expect(formatSize(512 * 1024)).toBe('512 KB');
    expect(formatProgress(3.25 * 1024 * 1024, 20 * 1024 * 1024)).toBe('3.2 of 20 MB');
  });
});
