import { describe, expect, it } from '@jest/globals';
import { CursorPages } from './cursor-pages';

describe('CursorPages', () => {
  it('goes on with each answer’s next cursor and back through the cursors it came by', () => {
    const pages = new CursorPages();
    pages.loaded('c2');
    expect([pages.current, pages.pageNumber, pages.hasPrevious, pages.hasNext]).toEqual([
      undefined,
      1,
      false,
      true,
    ]);
    pages.forward();
    expect([pages.current, pages.pageNumber, pages.hasNext]).toEqual(['c2', 2, false]);
    pages.loaded('c3');
    pages.forward();
    pages.loaded(null);
    expect([pages.current, pages.pageNumber, pages.hasNext]).toEqual(['c3', 3, false]);
    pages.forward(); // no further page: stays
    expect(pages.current).toBe('c3');
    pages.back();
    expect([pages.current, pages.pageNumber]).toEqual(['c2', 2]);
    pages.back();
    pages.back(); // already on the first
    expect([pages.current, pages.pageNumber, pages.hasPrevious]).toEqual([undefined, 1, false]);
  });
});
