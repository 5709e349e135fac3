/**
 * What the transcript page computes from a transcript document: speakers
 * with their colours, turns (runs of segments by one voice), search hits in
 * the text, jumps between a speaker's turns, and times on the meeting clock.
 * Pure functions, no React.
 */
import type { TranscriptDocument, TranscriptSegment } from '../../api/client';
import { initials } from '../grid/components/Avatar';

// DSFR illustrative colours dark enough for white text (contrast ≥ 4.5:1), in
// an order that keeps neighbours apart; speakers get them by order of first speech.
const COLOURS = ['#000091', '#a94645', '#18753c', '#8d533e', '#5151d3', '#006a6f', '#716043', '#7d4e5b', '#3a55d1', '#6e445a'];

/** One voice of the transcript. */
export interface SpeakerView {
  /** Tells voices apart: the participant plus the voice label (a shared microphone has several). */
  key: string;
  label: string;
  initials: string;
  colour: string;
  /** Someone in a room sharing one microphone (the voices were told apart by sound). */
  sharedMic: boolean;
}

/** Consecutive segments spoken by one voice. */
export interface Turn {
  /** Position in the transcript's turns. */
  index: number;
  speakerKey: string;
  /** Seconds on the meeting clock. */
  start: number;
  end: number;
  /** Indexes of its segments in the document's `segments`. */
  segments: readonly number[];
}

/** A match of the search in one segment's text: `[start, end)` in UTF-16 units of `segment.text`. */
export interface SearchHit {
  segment: number;
  start: number;
  end: number;
}

export function speakerKey(segment: Pick<TranscriptSegment, 'speaker_id' | 'speaker_label'>): string {
  return `${segment.speaker_id}\u0000${segment.speaker_label}`;
}

/** The voices in order of first speech (the document's list, then any voice it missed). */
export function speakersOf(document: Pick<TranscriptDocument, 'speakers' | 'segments'>): SpeakerView[] {
  const out = new Map<string, SpeakerView>();
  const add = (key: string, label: string, sharedMic: boolean) => {
    if (out.has(key)) return;
    out.set(key, {
      key,
      label,
      initials: initials(label) || '?',
      colour: COLOURS[out.size % COLOURS.length] ?? COLOURS[0]!,
      sharedMic,
    });
  };
  for (const speaker of document.speakers ?? []) {
    add(speakerKey({ speaker_id: speaker.speaker_id, speaker_label: speaker.label }), speaker.label, speaker.shared_mic ?? false);
  }
  for (const segment of document.segments ?? []) add(speakerKey(segment), segment.speaker_label, false);
  return [...out.values()];
}

/** The segments grouped into turns: a new turn each time the voice changes. */
export function groupTurns(segments: readonly TranscriptSegment[]): Turn[] {
  const turns: { speakerKey: string; start: number; end: number; segments: number[] }[] = [];
  segments.forEach((segment, i) => {
    const key = speakerKey(segment);
    const last = turns.at(-1);
    if (last !== undefined && last.speakerKey === key) {
      last.segments.push(i);
      last.end = Math.max(last.end, segment.end);
    } else {
      turns.push({ speakerKey: key, start: segment.start, end: segment.end, segments: [i] });
    }
  });
  return turns.map((turn, index) => ({ index, ...turn }));
}

/**
 * The next (`direction` 1) or previous (-1) turn of `speaker` after or before
 * turn `from` (-1: before the first), going round at the ends; null when
 * the speaker has no turn.
 */
export function nextTurnOf(turns: readonly Turn[], speaker: string, from: number, direction: 1 | -1): number | null {
  const own = turns.filter((turn) => turn.speakerKey === speaker).map((turn) => turn.index);
  if (own.length === 0) return null;
  if (direction === 1) return own.find((index) => index > from) ?? own[0]!;
  return [...own].reverse().find((index) => index < from) ?? own.at(-1)!;
}

/** "3 of 7": the position of turn `index` among `speaker`'s turns (1-based; 0 when not theirs), and their count. */
export function turnPosition(turns: readonly Turn[], speaker: string, index: number): { position: number; count: number } {
  const own = turns.filter((turn) => turn.speakerKey === speaker);
  return { position: own.findIndex((turn) => turn.index === index) + 1, count: own.length };
}

/**
 * `text` folded for searching (lower case, without accents, typographic
 * apostrophes as `'`, each run of white space as one space), with, for each
 * folded UTF-16 unit, the index of the original unit it comes from (plus
 * one last entry: the text's length): "Élan" and "elan" match, and the
 * original text is highlighted.
 */
export function foldForSearch(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let at = 0;
  for (const char of text) {
    const plain = fold(char);
    if (!(plain === ' ' && folded.endsWith(' '))) {
      for (let i = 0; i < plain.length; i += 1) origin.push(at);
      folded += plain;
    }
    at += char.length;
  }
  origin.push(at);
  return { folded, origin };
}

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase('fr')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/\s/g, ' ');
}

/** What is searched for: folded, runs of spaces as one, trimmed. Empty: no search. */
export function normalizeQuery(query: string): string {
  return fold(query).replace(/ +/g, ' ').trim();
}

/** Every match of `query` in the segments' texts, in reading order (matches do not overlap). */
export function findHits(segments: readonly Pick<TranscriptSegment, 'text'>[], query: string): SearchHit[] {
  const needle = normalizeQuery(query);
  if (needle === '') return [];
  const hits: SearchHit[] = [];
  segments.forEach((segment, index) => {
    const { folded, origin } = foldForSearch(segment.text);
    for (let at = folded.indexOf(needle); at !== -1; at = folded.indexOf(needle, at + needle.length)) {
      const end = at + needle.length;
      // The end is where the unit after the match starts: an accent that folded away stays inside.
      const last = origin[end - 1] ?? 0;
      const next = origin.slice(end).find((o) => o > last) ?? segment.text.length;
      hits.push({ segment: index, start: origin[at] ?? 0, end: next });
    }
  });
  return hits;
}

/** A segment's text cut around its hits: `hit` is the index of the hit in the whole list, or null. */
export function highlightParts(
  text: string,
  hits: readonly SearchHit[],
  firstHitIndex: number,
): { text: string; hit: number | null }[] {
  const parts: { text: string; hit: number | null }[] = [];
  let at = 0;
  hits.forEach((hit, i) => {
    if (hit.start > at) parts.push({ text: text.slice(at, hit.start), hit: null });
    parts.push({ text: text.slice(hit.start, hit.end), hit: firstHitIndex + i });
    at = hit.end;
  });
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), hit: null });
  return parts;
}

/** Seconds on the meeting clock as `m:ss`, or `h:mm:ss` from an hour on. */
export function formatClock(seconds: number): string {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The wall-clock time of `seconds` on the meeting clock of a transcript started at `startedAt` (ISO 8601). */
export function wallClock(startedAt: string, seconds: number): Date {
  return new Date(Date.parse(startedAt) + Math.max(0, seconds) * 1000);
}

/** Seconds between two ISO 8601 times (null when either is missing). */
export function secondsBetween(start: string | null, end: string | null): number | null {
  if (start === null || end === null) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) ? Math.max(0, ms / 1000) : null;
}
