import { pointId } from './qdrant-chunk-store';
import { documentFilter, qdrantFilter } from './qdrant-filter';

describe('qdrantFilter', () => {
  it('always starts with the user', () => {
    expect(qdrantFilter({ userId: 'u1' })).toEqual({ must: [{ key: 'user_id', match: { value: 'u1' } }] });
    expect(() => qdrantFilter({ userId: '' })).toThrow(RangeError);
  });

  it('narrows by every field', () => {
    expect(
      qdrantFilter({
        userId: 'u1',
        collections: ['c'],
        sources: ['s'],
        documentIds: ['d1', 'd2'],
        tagsAny: ['a', 'b'],
        tagsAll: ['x', 'y'],
        dateFromMs: 10,
        dateToMs: 20,
      }),
    ).toEqual({
      must: [
        { key: 'user_id', match: { value: 'u1' } },
        { key: 'collection', match: { any: ['c'] } },
        { key: 'source', match: { any: ['s'] } },
        { key: 'document_id', match: { any: ['d1', 'd2'] } },
        { key: 'tags', match: { any: ['a', 'b'] } },
        { key: 'tags', match: { value: 'x' } },
        { key: 'tags', match: { value: 'y' } },
        { key: 'date_ms', range: { gte: 10, lte: 20 } },
      ],
    });
    expect(qdrantFilter({ userId: 'u', dateToMs: 5 })?.must).toContainEqual({
      key: 'date_ms',
      range: { gte: null, lte: 5 },
    });
  });

  it('matches nothing when a list is empty', () => {
    expect(qdrantFilter({ userId: 'u1', collections: [] })).toBeNull();
    expect(qdrantFilter({ userId: 'u1', tagsAny: [] })).toBeNull();
  });

  it('scopes a document to its user', () => {
    expect(documentFilter('u1', 'd1')).toEqual({
      must: [
        { key: 'user_id', match: { value: 'u1' } },
        { key: 'document_id', match: { value: 'd1' } },
      ],
    });
  });
});

describe('pointId', () => {
  it('is a stable UUID per user and chunk', () => {
    expect(pointId('u1', 'c1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(pointId('u1', 'c1')).toBe(pointId('u1', 'c1'));
    expect(pointId('u1', 'c1')).not.toBe(pointId('u2', 'c1'));
    expect(pointId('u1', 'c1')).not.toBe(pointId('u1c', '1'));
  });
});
