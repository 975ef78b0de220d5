// Home is HomeScreen.tsx now. room-screen.ts (rewritten on another branch) still imports the key from here.
export { LAST_ROOM_KEY } from '../lib/last-room.js';
