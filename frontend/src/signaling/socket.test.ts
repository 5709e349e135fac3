// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { signalingUrl } from './socket';

describe('signalingUrl in a page', () => {
  it('targets the page’s own server by default', () => {
    expect(window.location.protocol).toBe('http:');
    expect(signalingUrl('abcd-efgh-ijkl')).toBe(`ws://${window.location.host}/api/v1/rooms/abcd-efgh-ijkl/ws`);
  });

  it('encodes the slug', () => {
    expect(signalingUrl('a b/c', { protocol: 'https:', host: 'meet.example.org' })).toBe(
      'wss://meet.example.org/api/v1/rooms/a%20b%2Fc/ws',
    );
  });
});
