import { chunkPredicate, documentsPredicate, sqlString } from './lancedb-predicate';

describe('LanceDB predicates', () => {
  it('quotes values as SQL literals, doubling quotes', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString("x' OR '1'='1")).toBe("'x'' OR ''1''=''1'");
    expect(() => sqlString('a\0b')).toThrow(RangeError);
  });

  it('starts every predicate with the user and narrows by each field', () => {
    expect(chunkPredicate({ userId: 'u1' })).toBe("user_id = 'u1'");
    expect(
      chunkPredicate({
        userId: 'u1',
        collections: ['c'],
        sources: ['s'],
        documentIds: ['d'],
        tagsAny: ['a', "b'c"],
        tagsAll: ['x'],
        dateFromMs: 1,
        dateToMs: 2,
      }),
    ).toBe(
      "user_id = 'u1' AND collection IN ('c') AND source IN ('s') AND document_id IN ('d') AND " +
        "array_has_any(tags, ['a', 'b''c']) AND array_has_all(tags, ['x']) AND date_ms >= 1 AND date_ms <= 2",
    );
    expect(chunkPredicate({ userId: 'u1', collections: [] })).toBe("user_id = 'u1' AND false");
    expect(() => chunkPredicate({ userId: '' })).toThrow(RangeError);
    expect(() => chunkPredicate({ userId: 'u', dateFromMs: Number.NaN })).toThrow(RangeError);
    expect(documentsPredicate('u', ['a', 'b'])).toBe("user_id = 'u' AND document_id IN ('a', 'b')");
  });
});
