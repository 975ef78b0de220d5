import { describe, expect, it } from 'vitest';
import { createAdapterParser } from './adapter-parser.js';

describe('the adapter parser', () => {
  it('round-trips broadcasts and requests of other processes', () => {
    const mine = createAdapterParser();
    const theirs = createAdapterParser();
    mine.own('aaaaaa');
    theirs.own('bbbbbb');
    const broadcast = ['bbbbbb', { type: 2, data: ['dm:message', { id: 1, body: '["aaaaaa",' }], nsp: '/dm' }, { rooms: ['user:1'], except: [], flags: {} }];
    expect(mine.decode(Buffer.from(theirs.encode(broadcast)))).toEqual(broadcast);
    const request = { uid: 'aaaaaa', requestId: 'r1', type: 4, opts: { rooms: ['session:x'], except: [] }, close: true };
    // Requests are objects; even one of its own is decoded whole (the adapter checks request.uid itself).
    expect(mine.decode(Buffer.from(mine.encode(request)))).toEqual(request);
  });

  it('recognises its own broadcasts by their prefix without decoding the rest', () => {
    const parser = createAdapterParser();
    parser.own('abc123');
    const echo = Buffer.from(parser.encode(['abc123', { data: ['dm:message', { body: 'x'.repeat(1000) }] }, {}]));
    expect(parser.decode(echo)).toEqual(['abc123']);
    // A uid that merely starts the same is someone else's.
    const other = ['abc1234', { data: ['x'] }, {}];
    expect(parser.decode(Buffer.from(JSON.stringify(other)))).toEqual(other);
  });
});
