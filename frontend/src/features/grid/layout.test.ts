import { describe, expect, it } from 'vitest';
import { computeLayout, fitGrid, GAP, maxTilesPerPage, PAGER_SIZE, pagingOrder, type LayoutInput } from './layout';

const LAPTOP = { width: 1256, height: 700 };
const PHONE = { width: 374, height: 640 };

function people(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? 'self' : `p${i}`));
}

function input(overrides: Partial<LayoutInput> = {}): LayoutInput {
  return {
    participantIds: people(4),
    selfId: 'self',
    screenSharers: [],
    activeSpeaker: null,
    mode: 'grid',
    stage: LAPTOP,
    page: 0,
    ...overrides,
  };
}

describe('fitGrid', () => {
  it('puts one tile alone as large as a 16:9 tile can be', () => {
    const fit = fitGrid(1, { width: 1600, height: 900 });
    expect(fit).toEqual({ columns: 1, rows: 1, width: 1600, height: 900 });
  });

  it('chooses 2×2 for four tiles in a landscape area', () => {
    const fit = fitGrid(4, LAPTOP);
    expect([fit.columns, fit.rows]).toEqual([2, 2]);
    expect(fit.height * 2 + GAP).toBeLessThanOrEqual(LAPTOP.height);
    expect(fit.width * 2 + GAP).toBeLessThanOrEqual(LAPTOP.width);
  });

  it('stacks tiles in one column on a tall phone', () => {
    expect(fitGrid(3, PHONE).columns).toBe(1);
  });

  it('keeps 16:9 tiles', () => {
    const fit = fitGrid(7, LAPTOP);
    expect(Math.abs(fit.width / fit.height - 16 / 9)).toBeLessThan(0.02);
  });
});

describe('computeLayout: grid', () => {
  it('shows everyone on one page when they fit, self first', () => {
    const layout = computeLayout(input({ participantIds: ['p1', 'self', 'p2'] }));
    expect(layout.pageCount).toBe(1);
    expect(layout.featured).toBeNull();
    expect(layout.arrangement).toBe('grid');
    expect(layout.tiles.map((t) => t.participantId)).toEqual(['self', 'p1', 'p2']);
    expect(layout.tiles.every((t) => t.source === 'camera' && t.height > 0)).toBe(true);
  });

  it('pages 150 people 16 at a time on a laptop', () => {
    const layout = computeLayout(input({ participantIds: people(150) }));
    expect(maxTilesPerPage(LAPTOP)).toBe(16);
    expect(layout.perPage).toBe(16);
    expect(layout.pageCount).toBe(10);
    expect(layout.tiles).toHaveLength(16);
    // A 4×4 grid that leaves room for the page buttons.
    expect(layout.columns).toBe(4);
    expect(layout.tiles[0]!.height * 4 + GAP * 3).toBeLessThanOrEqual(LAPTOP.height - PAGER_SIZE);
  });

  it('pages 9 at a time on a small screen', () => {
    const layout = computeLayout(input({ participantIds: people(20), stage: PHONE }));
    expect(layout.perPage).toBe(9);
    expect(layout.pageCount).toBe(3);
  });

  it('shows page k, and the rest on the last page', () => {
    const ids = people(40);
    const second = computeLayout(input({ participantIds: ids, page: 1 }));
    expect(second.page).toBe(1);
    expect(second.tiles.map((t) => t.participantId)).toEqual(ids.slice(16, 32));
    const last = computeLayout(input({ participantIds: ids, page: 2 }));
    expect(last.tiles.map((t) => t.participantId)).toEqual(ids.slice(32));
    // Fewer tiles: larger ones.
    expect(last.tiles[0]!.height).toBeGreaterThan(second.tiles[0]!.height);
  });

  it('clamps a page beyond the last (people left)', () => {
    const layout = computeLayout(input({ participantIds: people(20), page: 7 }));
    expect(layout.page).toBe(1);
    expect(layout.tiles).toHaveLength(4);
  });

  it('brings an active speaker from a later page onto the first page', () => {
    const ids = people(40);
    const layout = computeLayout(input({ participantIds: ids, activeSpeaker: 'p30' }));
    const first = layout.tiles.map((t) => t.participantId);
    expect(first).toContain('p30');
    expect(first[15]).toBe('p30');
    // The person it replaced moved to the speaker's old place: nobody is lost.
    const everyone = [0, 1, 2].flatMap((page) => computeLayout(input({ participantIds: ids, activeSpeaker: 'p30', page })).tiles.map((t) => t.participantId));
    expect(new Set(everyone).size).toBe(40);
  });
});

describe('computeLayout: screen share and speaker view', () => {
  it('shows a screen share large, with the cameras in a side strip', () => {
    const layout = computeLayout(input({ screenSharers: ['p2'] }));
    expect(layout.featured).toMatchObject({ participantId: 'p2', source: 'screen' });
    expect(layout.arrangement).toBe('side');
    expect(layout.tiles.map((t) => t.participantId)).toEqual(['self', 'p1', 'p2', 'p3']);
    expect(layout.featured!.height).toBe(LAPTOP.height);
    expect(layout.featured!.width).toBeGreaterThan(layout.tiles[0]!.width * 3);
    expect(layout.featured!.width + layout.stripSize + GAP).toBeLessThanOrEqual(LAPTOP.width);
  });

  it('pages the strip when it is full', () => {
    const layout = computeLayout(input({ participantIds: people(30), screenSharers: ['p5'] }));
    expect(layout.pageCount).toBeGreaterThan(1);
    const strip = layout.tiles.length * (layout.tiles[0]!.height + GAP);
    expect(strip + PAGER_SIZE).toBeLessThanOrEqual(LAPTOP.height + GAP);
  });

  it('puts the strip below the screen on a portrait screen', () => {
    const layout = computeLayout(input({ screenSharers: ['p1'], stage: PHONE }));
    expect(layout.arrangement).toBe('bottom');
    expect(layout.featured!.height).toBeLessThan(PHONE.height);
  });

  it('shows a second screen share in the strip, before the cameras', () => {
    const layout = computeLayout(input({ screenSharers: ['p1', 'p3'] }));
    expect(layout.featured).toMatchObject({ participantId: 'p1', source: 'screen' });
    expect(layout.tiles[0]).toMatchObject({ participantId: 'p3', source: 'screen' });
  });

  it('shows the active speaker large in speaker view', () => {
    const layout = computeLayout(input({ mode: 'speaker', activeSpeaker: 'p2' }));
    expect(layout.featured).toMatchObject({ participantId: 'p2', source: 'camera' });
    expect(layout.tiles.map((t) => t.participantId)).toEqual(['self', 'p1', 'p3']);
  });

  it('shows someone else than self large in speaker view before anyone spoke', () => {
    const layout = computeLayout(input({ mode: 'speaker' }));
    expect(layout.featured?.participantId).toBe('p1');
  });

  it('falls back to the grid in speaker view when alone', () => {
    const layout = computeLayout(input({ mode: 'speaker', participantIds: ['self'] }));
    expect(layout.featured).toBeNull();
    expect(layout.tiles).toHaveLength(1);
  });

  it('ignores a sharer who is not in the meeting any more', () => {
    expect(computeLayout(input({ screenSharers: ['gone'] })).featured).toBeNull();
  });
});

describe('pagingOrder', () => {
  it('keeps the order when the speaker is on the first page', () => {
    expect(pagingOrder(['a', 'b', 'c'], null, 'b', 2)).toEqual(['a', 'b', 'c']);
  });
});
