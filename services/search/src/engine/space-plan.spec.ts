import { parseSpaceId, planSpaces, type SpaceRecord } from './space-plan';

const space = (id: string): SpaceRecord => parseSpaceId(id)!;
const a = space('offline/lexical-v1@384');
const b = space('openai/text-embedding-3-small@64');
const c = space('offline/lexical-v1@128');

describe('planSpaces', () => {
  it('serves the configured space when nothing else was ever indexed', () => {
    expect(planSpaces(a, { serving: null, building: null, mostUsed: null })).toEqual({
      serving: a,
      building: null,
      abandoned: [],
    });
    expect(planSpaces(a, { serving: null, building: null, mostUsed: a.id })).toMatchObject({
      serving: a,
      building: null,
    });
  });

  it('keeps the recorded space serving and builds the configured one', () => {
    expect(planSpaces(b, { serving: a, building: null, mostUsed: a.id })).toEqual({
      serving: a,
      building: b,
      abandoned: [],
    });
    expect(planSpaces(b, { serving: a, building: b, mostUsed: a.id })).toEqual({
      serving: a,
      building: b,
      abandoned: [],
    });
  });

  it('takes the space most documents are in as serving when none was recorded', () => {
    expect(planSpaces(b, { serving: null, building: null, mostUsed: a.id })).toEqual({
      serving: a,
      building: b,
      abandoned: [],
    });
  });

  it('gives up a build for another model, or when the serving model is configured again', () => {
    expect(planSpaces(c, { serving: a, building: b, mostUsed: a.id })).toEqual({
      serving: a,
      building: c,
      abandoned: [b],
    });
    expect(planSpaces(a, { serving: a, building: b, mostUsed: a.id })).toEqual({
      serving: a,
      building: null,
      abandoned: [b],
    });
  });

  it('reads model and size from a space id', () => {
    expect(parseSpaceId('openai/text-embedding-3-small@512')).toEqual({
      id: 'openai/text-embedding-3-small@512',
      model: 'openai/text-embedding-3-small',
      dimensions: 512,
    });
    expect(parseSpaceId('no-size')).toBeNull();
    expect(parseSpaceId('model@x')).toBeNull();
  });
});
