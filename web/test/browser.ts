import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../src/test/free-port.js';
import { waitFor } from '../../src/test/wait.js';

export { waitFor };
import { startTestServer, uniqueUsername, type TestServer } from '../../src/test/harness.js';

/**
 * Real browsers for the web client's tests: Debian's Chromium driven by
 * playwright-core (never a downloaded browser), with fake media devices so
 * that calls carry a generated tone, and loopback allowed for WebRTC.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--no-sandbox',
  '--autoplay-policy=no-user-gesture-required',
  // Screen sharing picks the whole (fake) screen without asking.
  '--auto-select-desktop-capture-source=Entire screen',
];

export function launchBrowser(args: readonly string[] = CHROMIUM_ARGS): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...args] });
}

/** A Parley server whose ORIGIN is the address the browser uses, so its CSRF check lets the pages in. */
export async function startWebServer(env: Record<string, string> = {}): Promise<TestServer> {
  const port = await freePort();
  return startTestServer({ PORT: String(port), ORIGIN: `http://127.0.0.1:${port}`, ...env });
}

/** For a test file: one browser and one Parley server, started before its tests and stopped after. */
export function useBrowserAndServer(args: readonly string[] = CHROMIUM_ARGS): { browser: Browser; server: TestServer } {
  const fixture = {} as { browser: Browser; server: TestServer };
  beforeAll(async () => {
    [fixture.browser, fixture.server] = await Promise.all([launchBrowser(args), startWebServer()]);
  });
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.server?.stop();
  });
  return fixture;
}

export type UserPage = Page & { problems: string[]; username: string };

/**
 * A browser context of its own (its own cookies: one person) with the
 * microphone allowed. Page errors and CSP violations are collected in `problems`.
 */
export async function openPage(browser: Browser, server: TestServer, options: { relayOnly?: boolean; bypassCSP?: boolean } = {}): Promise<UserPage> {
  const context: BrowserContext = await browser.newContext({
    baseURL: server.baseUrl,
    permissions: ['microphone', 'camera'],
    bypassCSP: options.bypassCSP ?? false,
    viewport: { width: 1100, height: 900 },
  });
  if (options.relayOnly) await context.addInitScript(() => localStorage.setItem('parley:ice-relay-only', '1'));
  const page = (await context.newPage()) as UserPage;
  page.problems = [];
  page.username = '';
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) page.problems.push(`csp: ${msg.text()}`);
  });
  return page;
}

/** What a probed page records (see probedPage): every getUserMedia stream, every RTCPeerConnection, and how often it asked. */
export type Probe = { streams: MediaStream[]; pcs: RTCPeerConnection[]; asked: number };

/**
 * A page (openPage) whose init script records what the tests read and the app does not show, in
 * `window.__probe` (Probe), so that production code has no hooks for it; `storage` is put in its
 * localStorage first, as a person's earlier choices would have left it.
 */
export async function probedPage(
  browser: Browser,
  server: TestServer,
  options: { bypassCSP?: boolean; storage?: Record<string, string> } = {},
): Promise<UserPage> {
  const page = await openPage(browser, server, options);
  await page.context().addInitScript((storage: Record<string, string>) => {
    for (const [k, v] of Object.entries(storage)) if (localStorage.getItem(k) === null) localStorage.setItem(k, v);
    const probe: Probe = { streams: [], pcs: [], asked: 0 };
    (window as unknown as { __probe: Probe }).__probe = probe;
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => {
      probe.asked++;
      const s = await gum(c);
      probe.streams.push(s);
      return s;
    };
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        probe.pcs.push(this);
      }
    };
  }, options.storage ?? {});
  return page;
}

/** Signs up through the form, as a person would. */
export async function signUp(page: UserPage, stem: string, displayName?: string): Promise<string> {
  const username = uniqueUsername(stem);
  await page.goto('/');
  await page.getByRole('link', { name: 'Create an account' }).click();
  const form = page.getByRole('form', { name: 'Create account' });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill('correct horse battery');
  if (displayName) await form.getByLabel('Display name').fill(displayName);
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: /^Hello, / }).waitFor();
  page.username = username;
  return username;
}

type PeerStats = {
  peerId: string;
  state: string;
  bytesReceived: number;
  audioEnergy: number;
  localCandidate?: string;
  remoteCandidate?: string;
  framesDecoded: number;
  frameWidth?: number;
  videoCaps: number[];
  videoSources: string[];
};

export function callStats(page: Page): Promise<PeerStats[]> {
  return page.evaluate(() => (window as unknown as { __parley: { stats(): Promise<PeerStats[]> } }).__parley.stats());
}

/** Waits until this page has `count` connections, all `connected`. */
export function connectedTo(page: Page, count: number, timeoutMs = 20_000): Promise<PeerStats[]> {
  return waitFor(
    `${count} connection(s) are connected`,
    async () => {
      const s = await callStats(page);
      return s.length === count && s.every((p) => p.state === 'connected') && s;
    },
    timeoutMs,
  );
}

/** Per connection, how much audio (bytes and energy) arrived over `ms`. */
export async function audioOver(page: Page, ms = 1500): Promise<Array<{ peerId: string; bytes: number; energy: number }>> {
  const before = await callStats(page);
  await new Promise((r) => setTimeout(r, ms));
  const after = await callStats(page);
  return after.map((a) => {
    const b = before.find((x) => x.peerId === a.peerId);
    return { peerId: a.peerId, bytes: a.bytesReceived - (b?.bytesReceived ?? 0), energy: a.audioEnergy - (b?.audioEnergy ?? 0) };
  });
}

/** coturn on loopback with the REST-API shared secret, as a deployment would run it. */
export async function startCoturn(secret: string): Promise<{ port: number; stop(): Promise<void>; output(): string }> {
  const port = await freePort();
  const minPort = 40000 + Math.floor(Math.random() * 20000);
  let output = '';
  const child: ChildProcess = spawn(
    process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 200}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=parley.test',
      '--allow-loopback-peers',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitFor(
    'coturn listens',
    async () => {
      if (child.exitCode !== null) throw new Error(`turnserver exited: ${output.slice(-500)}`);
      return new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
    },
    10_000,
  );
  return {
    port,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * axe's serious and critical WCAG 2.1 A/AA findings on the page as it is now (the page needs a
 * context opened with `bypassCSP`, since axe is added as a script tag).
 */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: any }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3) }));
  });
  return result.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Ann and Bob, each in a browser context of their own, in a call together in a new room:
 * signed up through the form, Ann creates the room, Bob opens its link, both join the call,
 * and both connections are up. The caller closes the contexts.
 */
export async function twoInACall(browser: Browser, site: TestServer, stem: string): Promise<{ ann: UserPage; bob: UserPage; room: string }> {
  const ann = await openPage(browser, site);
  const bob = await openPage(browser, site);
  const room = await intoOneCall(ann, bob, stem);
  await connectedTo(ann, 1);
  await connectedTo(bob, 1);
  return { ann, bob, room };
}

/**
 * On two open pages: Ann and Bob sign up, Ann creates a room, Bob opens its link, and both
 * press Join call. Whether their connection comes up is the caller's to check.
 */
export async function intoOneCall(ann: UserPage, bob: UserPage, stem: string): Promise<string> {
  await signUp(ann, 'ann', 'Ann');
  await signUp(bob, 'bob', 'Bob');
  const room = `${stem}-${Math.random().toString(36).slice(2, 10)}`;
  await ann.getByLabel('Room name').fill(room);
  await ann.getByRole('button', { name: 'Create room' }).click();
  await ann.waitForURL(`**/r/${room}`);
  await bob.goto(`/r/${room}`);
  for (const page of [ann, bob]) {
    await page.getByRole('button', { name: 'Join call' }).click();
    await page.getByRole('button', { name: 'Leave call' }).waitFor();
  }
  return room;
}
