/**
 * Where tiles go: a pure function of who is there, who shares a screen, who
 * speaks, the chosen view and the stage size. Rendering and the visible-tile
 * report (which decides what video the client receives) both read it.
 */

export type LayoutMode = 'grid' | 'speaker';
export type TileSource = 'camera' | 'screen';

export interface TileRef {
  participantId: string;
  source: TileSource;
}

/** A tile and its size in CSS pixels. */
export interface TileSlot extends TileRef {
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface LayoutInput {
  /** Everyone, in join order, self included. */
  participantIds: readonly string[];
  selfId: string | null;
  /** Who shares a screen, most important first (remote shares before our own). */
  screenSharers: readonly string[];
  activeSpeaker: string | null;
  mode: LayoutMode;
  /** The stage (the area for tiles), CSS pixels. */
  stage: Size;
  /** The page asked for (0-based); clamped to the pages there are. */
  page: number;
}

export interface Layout {
  /** The large tile: a screen share, or the speaker in speaker view; null in a plain grid. */
  featured: TileSlot | null;
  /** Where the paged tiles go: the whole stage, or a strip beside or below the featured tile. */
  arrangement: 'grid' | 'side' | 'bottom';
  /** The tiles of this page, in order. */
  tiles: TileSlot[];
  /** Grid columns (for `side`: 1; for `bottom`: the tile count). */
  columns: number;
  /** The page shown (clamped) and how many there are. */
  page: number;
  pageCount: number;
  /** Tiles per page here. */
  perPage: number;
  /** Size of the strip (side: its width; bottom: its height), 0 for a grid. */
  stripSize: number;
}

/** Space between tiles, CSS px. */
export const GAP = 8;
/** Height kept for the page buttons when there are several pages, CSS px. */
export const PAGER_SIZE = 44;
const RATIO = 16 / 9;

/** At most 16 tiles per page on a laptop or larger, 9 on small screens. */
export function maxTilesPerPage(stage: Size): number {
  return stage.width < 720 || stage.height < 480 ? 9 : 16;
}

/**
 * The largest 16:9 tiles for `count` tiles in `area`: the column count that
 * gives the widest tile.
 */
export function fitGrid(count: number, area: Size, gap = GAP): { columns: number; rows: number; width: number; height: number } {
  if (count <= 0) return { columns: 0, rows: 0, width: 0, height: 0 };
  let best = { columns: 1, rows: count, width: 0, height: 0 };
  for (let columns = 1; columns <= count; columns += 1) {
    const rows = Math.ceil(count / columns);
    const byWidth = (area.width - gap * (columns - 1)) / columns;
    const byHeight = ((area.height - gap * (rows - 1)) / rows) * RATIO;
    const width = Math.max(0, Math.min(byWidth, byHeight));
    if (width > best.width) best = { columns, rows, width, height: width / RATIO };
  }
  return { ...best, width: Math.floor(best.width), height: Math.floor(best.height) };
}

/**
 * Camera tiles in paging order: self first (always on the first page), then
 * join order. An active speaker beyond the first page swaps places with the
 * last tile of the first page, so that whoever speaks is seen without
 * reshuffling everyone else.
 */
export function pagingOrder(ids: readonly string[], selfId: string | null, activeSpeaker: string | null, perPage: number): string[] {
  const order = selfId !== null && ids.includes(selfId) ? [selfId, ...ids.filter((id) => id !== selfId)] : [...ids];
  if (activeSpeaker === null || perPage < 1) return order;
  const at = order.indexOf(activeSpeaker);
  const slot = perPage - 1;
  if (at > slot && slot > 0) {
    const displaced = order[slot] as string;
    order[slot] = activeSpeaker;
    order[at] = displaced;
  }
  return order;
}

function clampPage(page: number, pageCount: number): number {
  if (!Number.isFinite(page)) return 0;
  return Math.min(Math.max(0, Math.floor(page)), Math.max(0, pageCount - 1));
}

function pageOf<T>(items: readonly T[], page: number, perPage: number): T[] {
  return items.slice(page * perPage, page * perPage + perPage);
}

/** Who is shown large in speaker view: the active speaker, else the first other person. */
function speakerOf(input: LayoutInput): string | null {
  const others = input.participantIds.filter((id) => id !== input.selfId);
  if (input.activeSpeaker !== null && others.includes(input.activeSpeaker)) return input.activeSpeaker;
  return others[0] ?? null;
}

export function computeLayout(input: LayoutInput): Layout {
  const { stage } = input;
  const sharers = input.screenSharers.filter((id) => input.participantIds.includes(id));
  const speaker = input.mode === 'speaker' && sharers.length === 0 ? speakerOf(input) : null;
  const featuredRef: TileRef | null =
    sharers[0] !== undefined
      ? { participantId: sharers[0], source: 'screen' }
      : speaker !== null
        ? { participantId: speaker, source: 'camera' }
        : null;

  if (featuredRef === null) return gridLayout(input);

  // Featured tile plus a strip of the others: other screens first, then cameras.
  const cameraIds = input.participantIds.filter((id) => !(featuredRef.source === 'camera' && id === featuredRef.participantId));
  const side = stage.width >= 640 && stage.width >= stage.height;
  const stripSize = side
    ? Math.round(Math.min(280, Math.max(160, stage.width * 0.2)))
    : Math.round(Math.min(160, Math.max(90, stage.height * 0.22)));
  const tileW = side ? stripSize : Math.floor(stripSize * RATIO);
  const tileH = side ? Math.floor(stripSize / RATIO) : stripSize;
  const room = side ? stage.height : stage.width;
  const step = (side ? tileH : tileW) + GAP;
  const fitAll = Math.max(1, Math.floor((room + GAP) / step));
  const total = sharers.length - 1 + cameraIds.length;
  const fits = total <= fitAll;
  const perPage = Math.min(maxTilesPerPage(stage), fits ? fitAll : Math.max(1, Math.floor((room - PAGER_SIZE + GAP) / step)));
  const ordered: TileRef[] = [
    ...sharers.slice(1).map((participantId): TileRef => ({ participantId, source: 'screen' })),
    ...pagingOrder(cameraIds, input.selfId, input.activeSpeaker, Math.max(1, perPage - (sharers.length - 1))).map(
      (participantId): TileRef => ({ participantId, source: 'camera' }),
    ),
  ];
  const pageCount = Math.max(1, Math.ceil(ordered.length / perPage));
  const page = clampPage(input.page, pageCount);
  const tiles = pageOf(ordered, page, perPage).map((ref) => ({ ...ref, width: tileW, height: tileH }));
  const featuredArea: Size =
    ordered.length === 0
      ? stage
      : side
        ? { width: stage.width - stripSize - GAP, height: stage.height }
        : { width: stage.width, height: stage.height - stripSize - GAP };
  return {
    featured: { ...featuredRef, width: Math.max(0, Math.floor(featuredArea.width)), height: Math.max(0, Math.floor(featuredArea.height)) },
    arrangement: ordered.length === 0 ? 'grid' : side ? 'side' : 'bottom',
    tiles,
    columns: side ? 1 : tiles.length,
    page,
    pageCount,
    perPage,
    stripSize: ordered.length === 0 ? 0 : stripSize,
  };
}

function gridLayout(input: LayoutInput): Layout {
  const perPage = maxTilesPerPage(input.stage);
  const order = pagingOrder(input.participantIds, input.selfId, input.activeSpeaker, perPage);
  const pageCount = Math.max(1, Math.ceil(order.length / perPage));
  const page = clampPage(input.page, pageCount);
  const ids = pageOf(order, page, perPage);
  const area = pageCount > 1 ? { width: input.stage.width, height: input.stage.height - PAGER_SIZE } : input.stage;
  const fit = fitGrid(ids.length, area);
  return {
    featured: null,
    arrangement: 'grid',
    tiles: ids.map((participantId) => ({ participantId, source: 'camera', width: fit.width, height: fit.height })),
    columns: fit.columns,
    page,
    pageCount,
    perPage,
    stripSize: 0,
  };
}
