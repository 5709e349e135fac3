import { memo, useEffect, useMemo, useRef, useState } from 'react';
import '../grid.css';
import { useTranslation } from 'react-i18next';
import type { MeetingState, VisibleTile } from '../../../meeting';
import { Icon } from '../../../ui/Icon';
import type { MeetingControllerLike } from '../../meeting/controller';
import type { ModerationController } from '../../moderation/components/ParticipantMenu';
import { sameItems, useMeetingSelector } from '../../meeting/hooks/useMeeting';
import { useElementSize } from '../hooks/useElementSize';
import { TileMeasureContext, useTileHeights } from '../hooks/useTileHeights';
import { computeLayout, GAP, type LayoutMode } from '../layout';
import { sameVisibleTiles, tileKey, visibleTilesOf } from '../visibleTiles';
import { Tile } from './Tile';

/** What the layout needs from the meeting state (compared item by item, so a chat message changes nothing). */
interface GridInput {
  participantIds: readonly string[];
  selfId: string | null;
  screenSharers: readonly string[];
  activeSpeaker: string | null;
}

export function selectGridInput(state: MeetingState): GridInput {
  const remoteSharers = state.participants.filter((p) => !p.isSelf && p.screenSharing).map((p) => p.id);
  // Our own share is known locally before the server says so.
  const selfSharing = state.selfId !== null && state.local.screen !== null;
  return {
    participantIds: state.participants.map((p) => p.id),
    selfId: state.selfId,
    screenSharers: selfSharing && state.selfId !== null ? [...remoteSharers, state.selfId] : remoteSharers,
    activeSpeaker: state.activeSpeaker,
  };
}

function sameGridInput(a: GridInput, b: GridInput): boolean {
  return (
    a.selfId === b.selfId &&
    a.activeSpeaker === b.activeSpeaker &&
    sameItems(a.participantIds, b.participantIds) &&
    sameItems(a.screenSharers, b.screenSharers)
  );
}

export interface VideoGridProps {
  controller: ModerationController & Pick<MeetingControllerLike, 'setVisibleTiles'>;
  mode: LayoutMode;
}

/**
 * The stage: a paged grid, or a large tile (screen share, speaker) with a
 * paged strip. Only tiles of the current page are mounted (off-page people
 * have no `<video>`), and they are reported with `setVisibleTiles` so that
 * only their video is received.
 */
export const VideoGrid = memo(function VideoGrid({ controller, mode }: VideoGridProps) {
  const { t } = useTranslation();
  const stageRef = useRef<HTMLDivElement>(null);
  const stage = useElementSize(stageRef);
  const [requestedPage, setPage] = useState(0);
  const input = useMeetingSelector(controller, selectGridInput, sameGridInput);
  const layout = useMemo(() => computeLayout({ ...input, mode, stage, page: requestedPage }), [input, mode, stage, requestedPage]);
  const { heights, version, measure } = useTileHeights();

  const visible = useMemo(
    () => visibleTilesOf(layout, { selfId: input.selfId, devicePixelRatio: window.devicePixelRatio || 1, measured: heights }),
    // `version` changes when a measured height in `heights` changed.
    [layout, input.selfId, heights, version],
  );
  const reported = useRef<readonly VisibleTile[] | null>(null);
  useEffect(() => {
    if (reported.current !== null && sameVisibleTiles(reported.current, visible)) return;
    reported.current = visible;
    controller.setVisibleTiles(visible);
  }, [controller, visible]);

  const { featured, tiles, arrangement, page, pageCount } = layout;
  const pager =
    pageCount > 1 ? (
      <nav className={`v-pager v-pager--${arrangement}`} aria-label={t('grid.pages')}>
        <button
          type="button"
          className="v-pager__btn"
          data-testid="grid-prev"
          aria-label={t('grid.previous')}
          aria-disabled={page === 0}
          onClick={() => page > 0 && setPage(page - 1)}
        >
          <Icon name="chevronLeft" size="1.25rem" />
        </button>
        <span className="v-pager__label" aria-live="polite">
          {t('grid.pageOf', { page: page + 1, total: pageCount })}
        </span>
        <button
          type="button"
          className="v-pager__btn"
          data-testid="grid-next"
          aria-label={t('grid.next')}
          aria-disabled={page >= pageCount - 1}
          onClick={() => page < pageCount - 1 && setPage(page + 1)}
        >
          <Icon name="chevronRight" size="1.25rem" />
        </button>
      </nav>
    ) : null;

  return (
    <TileMeasureContext.Provider value={measure}>
      <section
        ref={stageRef}
        className={`v-stage v-stage--${arrangement}`}
        aria-label={t('grid.label')}
        data-testid={mode === 'speaker' ? 'layout-speaker' : 'layout-grid'}
        data-page={page}
        data-page-count={pageCount}
      >
        {featured !== null && (
          <ul className="v-stage__featured fr-raw-list">
            <Tile
              key={tileKey(featured)}
              controller={controller}
              participantId={featured.participantId}
              source={featured.source}
              featured
              height={featured.height}
            />
          </ul>
        )}
        {tiles.length > 0 && (
          <div className="v-stage__tiles">
            <ul
              className="v-stage__list fr-raw-list"
              // Rows wrap at the layout's column count; a last, shorter row is centred.
              style={arrangement === 'grid' ? { maxWidth: layout.columns * (tiles[0]?.width ?? 0) + (layout.columns - 1) * GAP } : undefined}
            >
              {tiles.map((slot) => (
                <Tile
                  key={tileKey(slot)}
                  controller={controller}
                  participantId={slot.participantId}
                  source={slot.source}
                  width={slot.width}
                  height={slot.height}
                />
              ))}
            </ul>
            {pager}
          </div>
        )}
      </section>
    </TileMeasureContext.Provider>
  );
});
