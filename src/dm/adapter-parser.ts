/**
 * The encoding of the Socket.IO Redis adapter's messages between Parley
 * processes. JSON instead of the adapter's default MessagePack: `/dm` never
 * sends binary data, and V8's JSON is several times faster than a
 * MessagePack encoder written in JavaScript.
 *
 * Every process also receives its own broadcasts back from Redis and the
 * adapter drops them after decoding. A broadcast is encoded as
 * `["<adapter uid>",…]`, so this parser recognises one of its own by that
 * prefix and returns just the uid (all the adapter reads before dropping it)
 * without parsing the rest. Under load that is one full decode per message
 * saved.
 */
type AdapterParser = {
  encode(message: unknown): string;
  decode(message: Buffer | string): unknown;
  /** Registers an adapter of this process, whose echoes need no decoding. */
  own(uid: string): void;
};

export function createAdapterParser(): AdapterParser {
  const own: Array<{ uid: string; prefix: Buffer }> = [];
  return {
    encode: (message) => JSON.stringify(message),
    decode(message) {
      const buf = typeof message === 'string' ? Buffer.from(message) : message;
      for (const o of own) {
        if (buf.length > o.prefix.length && buf[o.prefix.length] === 0x2c && buf.subarray(0, o.prefix.length).equals(o.prefix)) {
          return [o.uid];
        }
      }
      return JSON.parse(buf.toString('utf8'));
    },
    own(uid) {
      own.push({ uid, prefix: Buffer.from(JSON.stringify([uid]).slice(0, -1)) });
    },
  };
}
