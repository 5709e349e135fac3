import { describe, expect, it } from 'vitest';
import type { TranscriptSegment } from '../../api/client';
import {
  findHits,
  foldForSearch,
  formatClock,
  groupTurns,
  highlightParts,
  nextTurnOf,
  normalizeQuery,
  secondsBetween,
  speakerKey,
  speakersOf,
  turnPosition,
  wallClock,
} from './transcriptView';

function segment(speaker: string, start: number, text: string, label = speaker): TranscriptSegment {
  return { speaker_id: speaker, speaker_label: label, start, end: start + 2, text, words: [] };
}

const SEGMENTS: TranscriptSegment[] = [
  segment('a', 0, 'Bonjour à tous, on commence.', 'Alice Martin'),
  segment('a', 2.5, "L'ordre du jour est court.", 'Alice Martin'),
  segment('b', 5, 'Le budget été 2025 est prêt.', 'Bob'),
  segment('a', 9, 'Merci Bob. Et le Budget hiver ?', 'Alice Martin'),
  segment('c', 12, 'Il arrive.', 'Salle (2)'),
  segment('b', 14, 'Je l’envoie demain.', 'Bob'),
];

describe('formatClock', () => {
  it.each([
    [0, '0:00'],
    [5.9, '0:05'],
    [83.4, '1:23'],
    [599, '9:59'],
    [3600, '1:00:00'],
    [3723, '1:02:03'],
    [-4, '0:00'],
    [Number.NaN, '0:00'],
  ])('%s s → %s', (seconds, expected) => {
    expect(formatClock(seconds)).toBe(expected);
  });

  it('places meeting-clock times on the wall clock and measures durations', () => {
    expect(wallClock('2025-03-14T09:30:00Z', 83.5).toISOString()).toBe('2025-03-14T09:31:23.500Z');
    expect(secondsBetween('2025-03-14T09:30:00Z', '2025-03-14T09:42:30Z')).toBe(750);
    expect(secondsBetween('2025-03-14T09:30:00Z', null)).toBeNull();
  });
});

describe('speakers and turns', () => {
  it('lists voices in order of first speech, each with its own colour and initials', () => {
    const speakers = speakersOf({
      speakers: [
        { speaker_id: 'a', label: 'Alice Martin', shared_mic: false },
        { speaker_id: 'b', label: 'Bob', shared_mic: false },
        { speaker_id: 'c', label: 'Salle (2)', shared_mic: true },
      ],
      segments: [...SEGMENTS, segment('d', 20, 'Late voice', 'Dan')],
    });
    expect(speakers.map((s) => [s.label, s.initials, s.sharedMic])).toEqual([
      ['Alice Martin', 'AM', false],
      ['Bob', 'B', false],
      ['Salle (2)', 'S', true],
      ['Dan', 'D', false],
    ]);
    expect(new Set(speakers.map((s) => s.colour)).size).toBe(4);
  });

  it('tells the voices of a shared microphone apart by their label', () => {
    expect(speakerKey(segment('room', 0, '', 'Salle'))).not.toBe(speakerKey(segment('room', 0, '', 'Salle (2)')));
  });

  it('groups consecutive segments of one voice into a turn', () => {
    const turns = groupTurns(SEGMENTS);
    expect(turns.map((t) => [t.index, t.speakerKey.split('\u0000')[0], t.segments, t.start, t.end])).toEqual([
      [0, 'a', [0, 1], 0, 4.5],
      [1, 'b', [2], 5, 7],
      [2, 'a', [3], 9, 11],
      [3, 'c', [4], 12, 14],
      [4, 'b', [5], 14, 16],
    ]);
    expect(groupTurns([])).toEqual([]);
  });

  it("jumps to a speaker's next and previous turn, going round at the ends", () => {
    const turns = groupTurns(SEGMENTS);
    const bob = speakerKey(SEGMENTS[2]!);
    expect(nextTurnOf(turns, bob, -1, 1)).toBe(1);
    expect(nextTurnOf(turns, bob, 1, 1)).toBe(4);
    expect(nextTurnOf(turns, bob, 4, 1)).toBe(1);
    expect(nextTurnOf(turns, bob, turns.length, -1)).toBe(4);
    expect(nextTurnOf(turns, bob, 4, -1)).toBe(1);
    expect(nextTurnOf(turns, bob, 1, -1)).toBe(4);
    // From someone else's turn: the next of Bob's after it.
    expect(nextTurnOf(turns, bob, 2, 1)).toBe(4);
    expect(nextTurnOf(turns, 'nobody', 0, 1)).toBeNull();
    expect(turnPosition(turns, bob, 4)).toEqual({ position: 2, count: 2 });
    expect(turnPosition(turns, bob, 0)).toEqual({ position: 0, count: 2 });
  });
});

describe('search', () => {
  it('folds case, accents, apostrophes and runs of spaces, and maps back to the text', () => {
    expect(normalizeQuery('  Été   PRÊT ')).toBe('ete pret');
    expect(normalizeQuery('l’envoie')).toBe("l'envoie");
    const { folded, origin } = foldForSearch('Élan  vital');
    expect(folded).toBe('elan vital');
    expect(origin).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
  });

  it('finds every match, whatever the case and accents, in reading order', () => {
    const hits = findHits(SEGMENTS, 'budget');
    expect(hits).toEqual([
      { segment: 2, start: 3, end: 9 },
      { segment: 3, start: 17, end: 23 },
    ]);
    expect(findHits(SEGMENTS, 'ETE').map((h) => SEGMENTS[h.segment]!.text.slice(h.start, h.end))).toEqual(['été']);
    expect(findHits(SEGMENTS, "l'envoie").map((h) => SEGMENTS[h.segment]!.text.slice(h.start, h.end))).toEqual(['l’envoie']);
    expect(findHits(SEGMENTS, 'e').length).toBeGreaterThan(10);
    expect(findHits(SEGMENTS, '   ')).toEqual([]);
    expect(findHits(SEGMENTS, 'absent')).toEqual([]);
  });

  it('keeps a decomposed accent inside the highlight', () => {
    const text = 'un cafe\u0301 noir';
    const [hit] = findHits([{ text }], 'café');
    expect(text.slice(hit!.start, hit!.end)).toBe('cafe\u0301');
  });

  it('does not count overlapping matches twice', () => {
    expect(findHits([{ text: 'aaaa' }], 'aa')).toHaveLength(2);
  });

  it('cuts a text around its hits, numbering them in the whole list', () => {
    const text = SEGMENTS[3]!.text;
    const hits = findHits([SEGMENTS[3]!], 'e');
    expect(highlightParts(text, hits.slice(0, 2), 5)).toEqual([
      { text: 'M', hit: null },
      { text: 'e', hit: 5 },
      { text: 'rci Bob. ', hit: null },
      { text: 'E', hit: 6 },
      { text: 't le Budget hiver ?', hit: null },
    ]);
    expect(highlightParts('abc', [], 0)).toEqual([{ text: 'abc', hit: null }]);
  });
});
