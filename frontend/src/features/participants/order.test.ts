import { describe, expect, it } from 'vitest';
import { makeParticipant } from '../meeting/testing';
import { listParticipants } from './order';

describe('listParticipants', () => {
  it('lists raised hands first, in raise order, then self, then join order', () => {
    const people = [makeParticipant('a'), makeParticipant('b'), makeParticipant('me', { isSelf: true }), makeParticipant('c'), makeParticipant('d')];
    const listed = listParticipants(people, ['d', 'b']);
    expect(listed.map((item) => [item.participant.id, item.handRank])).toEqual([
      ['d', 1],
      ['b', 2],
      ['me', null],
      ['a', null],
      ['c', null],
    ]);
  });

  it('skips hands of people who left', () => {
    expect(listParticipants([makeParticipant('a')], ['gone', 'a']).map((i) => i.handRank)).toEqual([1]);
  });
});
