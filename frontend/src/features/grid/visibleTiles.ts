/**
 * What the grid tells the controller it shows (`setVisibleTiles`): the
 * controller receives video only for these, at a simulcast layer chosen
 * from their height in device pixels.
 */
import type { VisibleTile } from '../../meeting';
import type { Layout, TileRef } from './layout';

/** A stable key for a tile: one person can have a camera tile and a screen tile. */
export function tileKey(ref: TileRef): string {
  return `${ref.participantId}/${ref.source}`;
}

export interface VisibleTilesOptions {
  /** Our own tiles show local previews: nothing to receive for them. */
  selfId: string | null;
  devicePixelRatio: number;
  /** Measured CSS heights by {@link tileKey} (ResizeObserver), preferred over the layout's. */
  measured?: ReadonlyMap<string, number>;
}

/**
 * The tiles on screen, most important first (the featured tile, then the
 * page in order), with heights in device pixels. Off-page people are not in
 * it: their video is not received.
 */
export function visibleTilesOf(layout: Layout, options: VisibleTilesOptions): VisibleTile[] {
  const slots = layout.featured === null ? layout.tiles : [layout.featured, ...layout.tiles];
  const ratio = options.devicePixelRatio > 0 && Number.isFinite(options.devicePixelRatio) ? options.devicePixelRatio : 1;
  return slots
    .filter((slot) => slot.participantId !== options.selfId)
    .map((slot) => ({
      participantId: slot.participantId,
      source: slot.source,
      height: Math.round((options.measured?.get(tileKey(slot)) ?? slot.height) * ratio),
    }));
}

/** Equal when reporting `b` after `a` changes nothing. */
export function sameVisibleTiles(a: readonly VisibleTile[], b: readonly VisibleTile[]): boolean {
  return (
    a.length === b.length &&
    a.every((tile, i) => {
      const other = b[i];
      return other !== undefined && tile.participantId === other.participantId && tile.source === other.source && tile.height === other.height;
    })
  );
}
