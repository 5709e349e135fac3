import { describe, expect, it } from 'vitest';
import { LocalCandidates, RemoteCandidates, toRtcIceServers } from './ice';

describe('ICE helpers', () => {
  it('drops null fields of ICE servers', () => {
    expect(
      toRtcIceServers([
        { urls: ['stun:a'], username: null, credential: null },
        { urls: ['turn:b'], username: '1741946400:x', credential: 'secret' },
      ]),
    ).toEqual([{ urls: ['stun:a'] }, { urls: ['turn:b'], username: '1741946400:x', credential: 'secret' }]);
  });

  it('adds remote candidates in order once the description is applied, ignoring end and empty ones', async () => {
    const added: RTCIceCandidateInit[] = [];
    const buffer = new RemoteCandidates({ addIceCandidate: async (c) => void added.push(c) });
    buffer.add({ candidate: 'candidate:a', sdp_mid: '0', sdp_mline_index: 0 });
    buffer.add(null);
    buffer.add({ candidate: '', sdp_mid: '0', sdp_mline_index: 0 });
    buffer.add({ candidate: 'candidate:b', sdp_mid: '1', sdp_mline_index: 1 });
    expect(buffer.pending).toBe(2);
    buffer.descriptionApplied();
    buffer.add({ candidate: 'candidate:c', sdp_mid: '0', sdp_mline_index: 0 });
    expect(added.map((c) => c.candidate)).toEqual(['candidate:a', 'candidate:b', 'candidate:c']);
  });

  it('holds local candidates until released', () => {
    const sent: unknown[] = [];
    const local = new LocalCandidates((c) => sent.push(c));
    local.add({ candidate: 'candidate:a', sdp_mid: '0', sdp_mline_index: 0 });
    local.add({ candidate: '', sdp_mid: '0', sdp_mline_index: 0 });
    expect(sent).toEqual([]);
    local.release();
    local.add(null);
    expect(sent).toEqual([{ candidate: 'candidate:a', sdp_mid: '0', sdp_mline_index: 0 }, null]);
  });
});
