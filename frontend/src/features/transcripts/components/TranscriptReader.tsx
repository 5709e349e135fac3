import { memo, useDeferredValue, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TranscriptDocument, TranscriptSegment } from '../../../api/client';
import { Icon, type IconName } from '../../../ui/Icon';
import {
  findHits,
  formatClock,
  groupTurns,
  highlightParts,
  nextTurnOf,
  speakersOf,
  turnPosition,
  wallClock,
  type SearchHit,
  type SpeakerView,
  type Turn,
} from '../transcriptView';

export interface TranscriptReaderProps {
  document: TranscriptDocument;
  /** ISO 8601: the meeting clock's 0 (the wall-clock time of each turn is shown in its tooltip). */
  startedAt: string;
}

/**
 * Who said what: the speakers with their colours, the turns with their
 * times, a search in the text (matches highlighted and counted, Enter and
 * Shift+Enter or the arrows to move between them) and jumps between a
 * chosen speaker's turns.
 */
export function TranscriptReader({ document: transcript, startedAt }: TranscriptReaderProps) {
  const { t } = useTranslation();
  const segments = useMemo(() => transcript.segments ?? [], [transcript]);
  const speakers = useMemo(() => speakersOf(transcript), [transcript]);
  const byKey = useMemo(() => new Map(speakers.map((s) => [s.key, s])), [speakers]);
  const turns = useMemo(() => groupTurns(segments), [segments]);
  const searchId = useId();
  const jumpId = useId();

  // --- search ---
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const hits = useMemo(() => findHits(segments, deferredQuery), [segments, deferredQuery]);
  const [currentHit, setCurrentHit] = useState(0);
  const [hitMoved, setHitMoved] = useState(0);
  useEffect(() => setCurrentHit(0), [hits]);
  const moveHit = (step: 1 | -1) => {
    if (hits.length === 0) return;
    setCurrentHit((index) => (index + step + hits.length) % hits.length);
    setHitMoved((n) => n + 1);
  };
  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      moveHit(event.shiftKey ? -1 : 1);
    } else if (event.key === 'Escape' && query !== '') {
      event.preventDefault();
      setQuery('');
    }
  };
  const hitsBySegment = useMemo(() => {
    const map = new Map<number, { first: number; hits: SearchHit[] }>();
    hits.forEach((hit, index) => {
      const entry = map.get(hit.segment);
      if (entry === undefined) map.set(hit.segment, { first: index, hits: [hit] });
      else entry.hits.push(hit);
    });
    return map;
  }, [hits]);

  // --- jumps between a speaker's turns ---
  const [speaker, setSpeaker] = useState<string>(() => speakers[0]?.key ?? '');
  const [currentTurn, setCurrentTurn] = useState<number | null>(null);
  const [turnMoved, setTurnMoved] = useState(0);
  const jump = (direction: 1 | -1) => {
    const next = nextTurnOf(turns, speaker, currentTurn ?? (direction === 1 ? -1 : turns.length), direction);
    if (next === null) return;
    setCurrentTurn(next);
    setTurnMoved((n) => n + 1);
  };
  const position = currentTurn !== null ? turnPosition(turns, speaker, currentTurn) : { position: 0, count: turnPosition(turns, speaker, -1).count };

  // Bring the current match or turn into view (not on first render: the page starts at the top).
  const listRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (hitMoved === 0 && deferredQuery === '') return;
    const mark = listRef.current?.querySelector<HTMLElement>('mark[data-current="true"]');
    mark?.scrollIntoView?.({ block: 'center', behavior: 'smooth' });
  }, [currentHit, hitMoved, deferredQuery]);
  useEffect(() => {
    if (turnMoved === 0 || currentTurn === null) return;
    const turn = listRef.current?.querySelector<HTMLElement>(`[data-turn-index="${currentTurn}"]`);
    turn?.scrollIntoView?.({ block: 'center', behavior: 'smooth' });
  }, [currentTurn, turnMoved]);

  const searchStatus =
    deferredQuery.trim() === ''
      ? ''
      : hits.length === 0
        ? t('transcripts.view.searchNone')
        : `${t('transcripts.view.searchCount', { count: hits.length })} — ${t('transcripts.view.searchPosition', { position: currentHit + 1, count: hits.length })}`;
  const turnStatus =
    currentTurn !== null && position.position > 0
      ? `${t('transcripts.view.turnPosition', { position: position.position, count: position.count })} — ${formatClock(turns[currentTurn]?.start ?? 0)}`
      : t('transcripts.view.turnCount', { count: position.count });

  return (
    <div className="v-reader">
      <section className="v-reader__speakers" aria-labelledby={`${jumpId}-speakers`}>
        <h2 id={`${jumpId}-speakers`} className="fr-h6">
          {t('transcripts.view.speakers')}
        </h2>
        <ul className="v-reader__legend fr-raw-list" data-testid="transcript-speakers">
          {speakers.map((s) => (
            <li key={s.key} className="v-reader__person" data-testid="transcript-speaker">
              <SpeakerAvatar speaker={s} />
              <span>
                {s.label}
                {s.sharedMic && <span className="v-reader__shared"> ({t('transcripts.view.sharedMic')})</span>}
              </span>
              <span className="v-reader__turns">{t('transcripts.view.turnCount', { count: turns.filter((turn) => turn.speakerKey === s.key).length })}</span>
            </li>
          ))}
        </ul>
      </section>

      <div className="v-reader__tools">
        <div className="v-reader__tool" role="search">
          <label className="fr-label" htmlFor={searchId}>
            {t('transcripts.view.searchLabel')}
            <span className="fr-hint-text">{t('transcripts.view.searchHint')}</span>
          </label>
          <div className="v-reader__row">
            <span className="v-reader__search">
              <Icon name="search" size="1.25rem" />
              <input
                id={searchId}
                className="fr-input"
                type="search"
                autoComplete="off"
                value={query}
                data-testid="transcript-search"
                aria-describedby={`${searchId}-status`}
                onChange={(event) => setQuery(event.target.value)}
                onKeyDown={onSearchKey}
              />
            </span>
            <ToolButton icon="chevronUp" label={t('transcripts.view.previousHit')} disabled={hits.length === 0} testId="search-prev" onClick={() => moveHit(-1)} />
            <ToolButton icon="chevronDown" label={t('transcripts.view.nextHit')} disabled={hits.length === 0} testId="search-next" onClick={() => moveHit(1)} />
          </div>
          <p id={`${searchId}-status`} className="v-reader__status" role="status" aria-live="polite" data-testid="search-count" data-count={deferredQuery.trim() === '' ? '' : hits.length}>
            {searchStatus}
          </p>
        </div>

        {speakers.length > 0 && (
          <div className="v-reader__tool">
            <label className="fr-label" htmlFor={jumpId}>
              {t('transcripts.view.jumpLabel')}
            </label>
            <div className="v-reader__row">
              <select
                id={jumpId}
                className="fr-select"
                value={speaker}
                data-testid="speaker-select"
                onChange={(event) => {
                  setSpeaker(event.target.value);
                  setCurrentTurn(null);
                }}
              >
                {speakers.map((s) => (
                  <option key={s.key} value={s.key}>
                    {s.label}
                  </option>
                ))}
              </select>
              <ToolButton icon="chevronUp" label={t('transcripts.view.previousTurn')} disabled={position.count === 0} testId="speaker-prev" onClick={() => jump(-1)} />
              <ToolButton icon="chevronDown" label={t('transcripts.view.nextTurn')} disabled={position.count === 0} testId="speaker-next" onClick={() => jump(1)} />
            </div>
            <p className="v-reader__status" role="status" aria-live="polite" data-testid="turn-position">
              {turnStatus}
            </p>
          </div>
        )}
      </div>

      {segments.length === 0 ? (
        <p data-testid="transcript-no-text">{t('transcripts.view.noText')}</p>
      ) : (
        <ol ref={listRef} className="v-reader__text fr-raw-list" aria-label={t('transcripts.view.text')} data-testid="transcript-text">
          {turns.map((turn) => (
            <TurnItem
              key={turn.index}
              turn={turn}
              segments={segments}
              speaker={byKey.get(turn.speakerKey)}
              startedAt={startedAt}
              current={turn.index === currentTurn}
              hitsBySegment={hitsBySegment}
              currentHit={hitInTurn(turn, hitsBySegment, hits.length > 0 ? currentHit : -1)}
            />
          ))}
        </ol>
      )}
    </div>
  );
}

function ToolButton({ icon, label, disabled, testId, onClick }: { icon: IconName; label: string; disabled: boolean; testId: string; onClick: () => void }) {
  return (
    <button type="button" className="fr-btn fr-btn--tertiary fr-btn--sm v-reader__btn" title={label} aria-label={label} disabled={disabled} data-testid={testId} onClick={onClick}>
      <Icon name={icon} size="1.25rem" />
    </button>
  );
}

export function SpeakerAvatar({ speaker }: { speaker: SpeakerView | undefined }) {
  return (
    <span className="v-reader__avatar" aria-hidden="true" style={{ background: speaker?.colour ?? '#666' }}>
      {speaker?.initials ?? '?'}
    </span>
  );
}

/** `current` if that search hit is in `turn` (so that only the turns concerned re-render), else -1. */
function hitInTurn(turn: Turn, hitsBySegment: ReadonlyMap<number, { first: number; hits: SearchHit[] }>, current: number): number {
  if (current < 0) return -1;
  for (const index of turn.segments) {
    const found = hitsBySegment.get(index);
    if (found !== undefined && current >= found.first && current < found.first + found.hits.length) return current;
  }
  return -1;
}

interface TurnItemProps {
  turn: Turn;
  segments: readonly TranscriptSegment[];
  speaker: SpeakerView | undefined;
  startedAt: string;
  current: boolean;
  hitsBySegment: ReadonlyMap<number, { first: number; hits: SearchHit[] }>;
  /** The current search hit if it is in this turn, else -1. */
  currentHit: number;
}

const TurnItem = memo(function TurnItem({ turn, segments, speaker, startedAt, current, hitsBySegment, currentHit }: TurnItemProps) {
  const { t, i18n } = useTranslation();
  const when = wallClock(startedAt, turn.start);
  const wall = when.toLocaleTimeString(i18n.resolvedLanguage, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return (
    <li
      className={`v-reader__turn${current ? ' v-reader__turn--current' : ''}`}
      data-testid="transcript-turn"
      data-turn-index={turn.index}
      data-current={current}
      style={{ borderLeftColor: speaker?.colour }}
    >
      <div className="v-reader__head">
        <SpeakerAvatar speaker={speaker} />
        <span className="v-reader__name" data-testid="turn-speaker">
          {speaker?.label ?? ''}
        </span>
        <time className="v-reader__time" dateTime={when.toISOString()} title={t('transcripts.view.at', { time: wall })} data-testid="turn-time">
          {formatClock(turn.start)}
        </time>
      </div>
      <p className="v-reader__words">
        {turn.segments.map((index) => {
          const segment = segments[index];
          if (segment === undefined) return null;
          const found = hitsBySegment.get(index);
          return (
            <span key={index} className="v-reader__segment" data-testid="transcript-segment" data-start={segment.start}>
              {found === undefined
                ? segment.text
                : highlightParts(segment.text, found.hits, found.first).map((part, i) =>
                    part.hit === null ? (
                      <span key={i}>{part.text}</span>
                    ) : (
                      <mark key={i} className="v-reader__hit" data-testid="search-hit" data-current={part.hit === currentHit}>
                        {part.text}
                      </mark>
                    ),
                  )}{' '}
            </span>
          );
        })}
      </p>
    </li>
  );
});
