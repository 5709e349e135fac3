import { describe, expect, it } from 'vitest';
import { meetingLink, normalizeMeetingCode } from './meetingCode';

describe('normalizeMeetingCode', () => {
  it.each([
    ['abcd-efgh-ijkl', 'abcd-efgh-ijkl'],
    ['  ABCD-EFGH-IJKL ', 'abcd-efgh-ijkl'],
    ['abcd efgh ijkl', 'abcd-efgh-ijkl'],
    ['abcdefghijkl', 'abcd-efgh-ijkl'],
    ['https://visio.example.gouv.fr/abcd-efgh-ijkl', 'abcd-efgh-ijkl'],
    ['https://visio.example.gouv.fr/ABCD-EFGH-IJKL/?utm=x#top', 'abcd-efgh-ijkl'],
    ['visio.example.gouv.fr/abcd-efgh-ijkl', 'abcd-efgh-ijkl'],
    ['abcd-efgh', 'abcd-efgh'],
  ])('reads %j as %j', (input, slug) => {
    expect(normalizeMeetingCode(input)).toBe(slug);
  });

  it.each(['', '   ', 'hello', 'abcd-efgh-ijk', 'abcd-3fgh-ijkl', 'https://visio.example.gouv.fr/', 'a'.repeat(36)])(
    'refuses %j',
    (input) => {
      expect(normalizeMeetingCode(input)).toBeNull();
    },
  );
});

describe('meetingLink', () => {
  it('is the origin and the code', () => {
    expect(meetingLink('abcd-efgh-ijkl', 'https://visio.example.gouv.fr/')).toBe('https://visio.example.gouv.fr/abcd-efgh-ijkl');
  });
});
