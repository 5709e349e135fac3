import { describe, expect, it } from 'vitest';
import { computeLayout, type LayoutInput } from './layout';
import { sameVisibleTiles, visibleTilesOf } from './visibleTiles';

const STAGE = { width: 1256, height: 700 };
const ids = Array.from({ length: 40 }, (_, i) => (i === 0 ? 'self' : `p${i}`));

function layoutFor(overrides: Partial<LayoutInput> = {}) {
  return computeLayout({ participantIds: ids, selfId: 'self', screenSharers: [], activeSpeaker: null, mode: 'grid', stage: STAGE, page: 0, ...overrides });
}

describe('visibleTilesOf', () => {
  it('reports the tiles of the first page, without our own', () => {
    const tiles = visibleTilesOf(layoutFor(), { selfId: 'self', devicePixelRatio: 1 });
    expect(tiles.map((t) => t.participantId)).toEqual(ids.slice(1, 16));
    expect(tiles.every((t) => t.source === 'camera')).toBe(true);
  });

  it('reports only page k: off-page people are not received', () => {
    const tiles = visibleTilesOf(layoutFor({ page: 1 }), { selfId: 'self', devicePixelRatio: 1 });
    expect(tiles.map((t) => t.participantId)).toEqual(ids.slice(16, 32));
    expect(tiles.some((t) => t.participantId === 'p1')).toBe(false);
  });

  it('gives heights in device pixels', () => {
    const layout = layoutFor();
    const css = layout.tiles[1]!.height;
    const [tile] = visibleTilesOf(layout, { selfId: 'self', devicePixelRatio: 2 });
    expect(tile!.height).toBe(Math.round(css * 2));
  });

  it('prefers measured heights', () => {
    const measured = new Map([['p1/camera', 101]]);
    const [tile] = visibleTilesOf(layoutFor(), { selfId: 'self', devicePixelRatio: 1.5, measured });
    expect(tile).toEqual({ participantId: 'p1', source: 'camera', height: 152 });
  });

  it('counts a shown screen share first, large', () => {
    const layout = layoutFor({ participantIds: ids.slice(0, 4), screenSharers: ['p2'] });
    const tiles = visibleTilesOf(layout, { selfId: 'self', devicePixelRatio: 1 });
    expect(tiles[0]).toEqual({ participantId: 'p2', source: 'screen', height: STAGE.height });
    expect(tiles.slice(1).every((t) => t.source === 'camera' && t.height < 200)).toBe(true);
    // The sharer's camera is in the strip too.
    expect(tiles.filter((t) => t.participantId === 'p2').map((t) => t.source)).toEqual(['screen', 'camera']);
  });

  it('does not report our own screen share', () => {
    const tiles = visibleTilesOf(layoutFor({ screenSharers: ['self'] }), { selfId: 'self', devicePixelRatio: 1 });
    expect(tiles.some((t) => t.participantId === 'self')).toBe(false);
  });
});

describe('sameVisibleTiles', () => {
  it('compares ids, sources and heights in order', () => {
    const a = [{ participantId: 'a', source: 'camera' as const, height: 100 }];
    expect(sameVisibleTiles(a, [{ ...a[0]! }])).toBe(true);
    expect(sameVisibleTiles(a, [{ ...a[0]!, height: 101 }])).toBe(false);
    expect(sameVisibleTiles(a, [])).toBe(false);
  });
});
