/**
 * File transfer rate in real browsers: Parley's path (web/src/room/file-transfer.ts, driven
 * through the UI of two Parley pages in a call: Ann picks the file, Bob accepts) next to bare
 * RTCDataChannel transfers of the same size in the same run, sent as fast as bufferedAmount
 * allows: between the same two pages (two renderer processes, as Parley's is), and between two
 * RTCPeerConnections in one page. Headless Chromium on loopback; the file is random bytes made
 * in Ann's page. Parley's figure is timed in Bob's page from his Accept click to the last byte
 * (as the transfer notes it) and, apart, to the hash checked and the file offered for saving
 * (as the page shows it, polled every 2 ms); the bare ones from the first send to the last byte.
 * Prints each run and the median of each.
 *
 *   npm run bench:files                  (50 MB, 3 runs; needs MySQL, Redis and /usr/bin/chromium; builds the web client first)
 *   npm run bench:files -- --mb 100 --runs 5
 */
import os from 'node:os';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { BUFFER_CAP_BYTES, BUFFER_LOW_BYTES, CHUNK_BYTES } from '../web/src/room/file-transfer.js';
import { launchBrowser } from '../web/test/browser.js';
import { fmt, percentile, sleep, startParley, twoPeopleAndARoom } from './lib.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i >= 0 ? process.argv[i + 1] : fallback);
};
const MB = arg('mb', Number(process.env.MB ?? 50));
const RUNS = arg('runs', Number(process.env.RUNS ?? 3));
const SIZE = MB * 1024 * 1024;
/** The bare transfers' own limit on bufferedAmount besides Parley's: as much as a sender might queue. */
const BIG_CAP = 16 * 1024 * 1024;

await build({ configFile: new URL('../web/vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });
const tag = /^[a-z0-9]{1,16}$/.test(process.env.TEST_RUN_TAG ?? '') ? `_${process.env.TEST_RUN_TAG}` : '';
const parley = await startParley(`parley_bench_files${tag}`, {}, { browserOrigin: true });
const browser = await launchBrowser();
const loadBefore = os.loadavg();

// Page functions are strings, so that nothing the TypeScript loader adds to functions has to exist in the page.
/** In Ann's page: a random file of `size` bytes, picked with the control bar's Send file. */
const pickFile = (size: number, name: string) => `(() => {
  const bytes = new Uint8Array(${size});
  for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  const input = document.querySelector('.control-bar input[type="file"]');
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], ${JSON.stringify(name)}));
  input.files = dt.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
})()`;

/**
 * In Bob's page: waits for the offer of `name`, clicks Accept, and watches the row's state:
 * milliseconds from the click to all bytes in (state 'checking') and to the hash checked ('complete').
 */
const acceptAndTime = (name: string) => `new Promise((resolve, reject) => {
  const row = () => [...document.querySelectorAll('.transfer[data-direction="in"]')].find((r) => r.textContent.includes(${JSON.stringify(name)}));
  let clicked = 0;
  const poll = () => {
    const r = row();
    if (!clicked) {
      const accept = r && [...r.querySelectorAll('button')].find((b) => b.textContent.startsWith('Accept'));
      if (accept) { clicked = performance.now(); accept.click(); }
    } else if (r) {
      const state = r.dataset.state;
      // When the last byte came in, as the transfer itself noted it (performance.now(), this page's clock).
      const t = window.__parley.files().find((f) => f.direction === 'in' && f.name === ${JSON.stringify(name)});
      if (state === 'complete') return resolve({ bytes: t.finishedAt - clicked, checked: performance.now() - clicked });
      if (state !== 'receiving' && state !== 'checking') return reject(new Error('transfer ended: ' + state));
    }
    setTimeout(poll, 2);
  };
  poll();
})`;

/** In a page: sends `size` bytes over `ch` (open) as fast as bufferedAmount allows under `cap`. */
const pumpSource = `async function pump(ch, size, chunk, cap, low) {
  const bytes = new Uint8Array(size);
  ch.bufferedAmountLowThreshold = low;
  let off = 0;
  while (off < size) {
    if (ch.bufferedAmount + chunk > cap) { await new Promise((r) => (ch.onbufferedamountlow = r)); continue; }
    ch.send(bytes.subarray(off, Math.min(off + chunk, size)));
    off += chunk;
  }
}
function receiveAll(ch, size) {
  ch.binaryType = 'arraybuffer';
  return new Promise((resolve) => { let n = 0; ch.onmessage = (e) => { n += e.data.byteLength; if (n >= size) resolve(performance.now()); }; });
}`;

/** Two RTCPeerConnections in one page: ms from the first send to the last byte in. */
const bareOnePage = (size: number, cap: number, low: number) => `(async () => {
  ${pumpSource}
  const a = new RTCPeerConnection(), z = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && z.addIceCandidate(e.candidate);
  z.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const ch = a.createDataChannel('bare');
  const done = new Promise((resolve) => (z.ondatachannel = ({ channel }) => resolve(receiveAll(channel, ${size}))));
  await a.setLocalDescription(); await z.setRemoteDescription(a.localDescription);
  await z.setLocalDescription(); await a.setRemoteDescription(z.localDescription);
  await new Promise((r) => (ch.onopen = r));
  const t0 = performance.now();
  await pump(ch, ${size}, ${CHUNK_BYTES}, ${cap}, ${low});
  const t1 = await done;
  a.close(); z.close();
  return t1 - t0;
})()`;

/** A bare channel between Ann's page and Bob's (descriptions passed by this script): ms on Bob's clock, first byte sent to last in. */
async function bareTwoPages(ann: Page, bob: Page, cap: number, low: number): Promise<number> {
  const gathered = `new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); else pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); })`;
  const offer = await ann.evaluate<RTCSessionDescriptionInit>(`(async () => {
    ${pumpSource}
    const pc = (window.__barePc = new RTCPeerConnection());
    window.__bareCh = pc.createDataChannel('bare');
    window.__barePump = pump;
    await pc.setLocalDescription();
    await ${gathered};
    return pc.localDescription.toJSON();
  })()`);
  const answer = await bob.evaluate<RTCSessionDescriptionInit>(`(async () => {
    ${pumpSource}
    const pc = (window.__barePc = new RTCPeerConnection());
    window.__bareDone = new Promise((resolve) => (pc.ondatachannel = ({ channel }) => {
      const start = new Promise((s) => channel.addEventListener('message', () => s(performance.now()), { once: true }));
      resolve(Promise.all([start, receiveAll(channel, ${SIZE})]));
    }));
    await pc.setRemoteDescription(${JSON.stringify(offer)});
    await pc.setLocalDescription();
    await ${gathered};
    return pc.localDescription.toJSON();
  })()`);
  await ann.evaluate(`(async () => {
    await window.__barePc.setRemoteDescription(${JSON.stringify(answer)});
    const ch = window.__bareCh;
    if (ch.readyState !== 'open') await new Promise((r) => (ch.onopen = r));
    void window.__barePump(ch, ${SIZE}, ${CHUNK_BYTES}, ${cap}, ${low});
  })()`);
  const [start, end] = await bob.evaluate<[number, number]>('window.__bareDone');
  await Promise.all([ann, bob].map((p) => p.evaluate('window.__barePc.close()')));
  return end - start;
}

const rate = (ms: number) => SIZE / 1024 / 1024 / (ms / 1000);
const results: Record<string, number[]> = {};
const record = (what: string, ms: number) => {
  results[what] = [...(results[what] ?? []), ms];
  console.log(`  ${what.padEnd(58)} ${fmt(ms, 0).padStart(6)} ms  ${fmt(rate(ms), 1).padStart(6)} MB/s`);
};

try {
  const { ann, bob, room } = await twoPeopleAndARoom(browser, parley.base);
  const pages = [ann, bob];
  for (const p of pages) {
    await p.goto(`/r/${room}`);
    await p.getByRole('button', { name: 'Join call' }).click();
    await p.getByRole('button', { name: 'Leave call' }).waitFor();
  }
  for (const p of pages) {
    for (let i = 0; (await p.evaluate<string[]>('window.__parley.states()')).join() !== 'connected'; i++) {
      if (i > 200) throw new Error('the call did not connect');
      await sleep(100);
    }
  }

  console.log(`\nFile transfer, ${MB} MB of random bytes, ${RUNS} runs, headless Chromium on loopback, in a two-person call`);
  console.log(`chunks of ${CHUNK_BYTES / 1024} KiB; Parley keeps bufferedAmount ≤ ${BUFFER_CAP_BYTES / 1024} KiB (low mark ${BUFFER_LOW_BYTES / 1024} KiB)\n`);
  for (let run = 0; run < RUNS; run++) {
    console.log(`run ${run + 1}:`);
    const name = `bench-${run}.bin`;
    await ann.evaluate(pickFile(SIZE, name));
    const parleyRun = await bob.evaluate<{ bytes: number; checked: number }>(acceptAndTime(name));
    record('Parley, Accept click to last byte in (two pages)', parleyRun.bytes);
    record('Parley, Accept click to hash checked, Save shown', parleyRun.checked);
    // Let go of the file on both sides before the next transfer.
    for (const p of pages) await p.locator('.transfer-remove').first().click();
    record(`bare channel, two pages, bufferedAmount ≤ ${BUFFER_CAP_BYTES / 1024} KiB`, await bareTwoPages(ann, bob, BUFFER_CAP_BYTES, BUFFER_LOW_BYTES));
    record(`bare channel, two pages, bufferedAmount ≤ ${BIG_CAP / 1024 / 1024} MiB`, await bareTwoPages(ann, bob, BIG_CAP, BIG_CAP / 4));
    record(
      `bare channel, one page, bufferedAmount ≤ ${BUFFER_CAP_BYTES / 1024} KiB`,
      await bob.evaluate<number>(bareOnePage(SIZE, BUFFER_CAP_BYTES, BUFFER_LOW_BYTES)),
    );
    record(`bare channel, one page, bufferedAmount ≤ ${BIG_CAP / 1024 / 1024} MiB`, await bob.evaluate<number>(bareOnePage(SIZE, BIG_CAP, BIG_CAP / 4)));
  }
  console.log(`\nmedians (${MB} MB):`);
  for (const [what, times] of Object.entries(results)) {
    const ms = percentile(
      [...times].sort((x, y) => x - y),
      50,
    );
    console.log(`  ${what.padEnd(58)} ${fmt(ms, 0).padStart(6)} ms  ${fmt(rate(ms), 1).padStart(6)} MB/s`);
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nload average (1, 5, 15 min) on ${os.cpus().length} cores: before ${load(loadBefore)}, after ${load(os.loadavg())}`);
} finally {
  await browser.close();
  await parley.stop();
}
process.exit(process.exitCode ?? 0);
