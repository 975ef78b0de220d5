/** The room this browser was last in, kept by the room screen and offered on Home while it still exists. */
export const LAST_ROOM_KEY = 'parley:last-room';
