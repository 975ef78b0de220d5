import { focusHeading } from '../lib/dom.js';
import { lazy } from '../ui/lazy.js';

/**
 * Screens fetched when first opened, so that a first visit to Home or to sign-in does not pay
 * for them (web/bundle-size.ts keeps the first load within its budget). Each moves focus to its
 * heading once drawn, as the shell does for the others.
 */
export const RoomRoute = lazy(() => import('../room/room-screen.js').then((m) => m.RoomRoute), focusHeading);
export const CallRoute = lazy(() => import('../calls/CallScreen.js').then((m) => m.CallRoute), focusHeading);
export const SwitchRoomScreen = lazy(() => import('../room/SwitchRoomScreen.js').then((m) => m.SwitchRoomScreen), focusHeading);
export const SettingsScreen = lazy(() => import('../settings/SettingsScreen.js').then((m) => m.SettingsScreen), focusHeading);

/** Fetched as soon as a call rings or is placed, so that Accept does not wait for it. */
export const preloadCallScreen = (): void => void CallRoute.preload().catch(() => {});
