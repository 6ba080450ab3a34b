import { describe, expect, it } from '@jest/globals';
import { SubmissionKeys } from './submission-keys';

describe('SubmissionKeys', () => {
  it('resends an unanswered submit with its key, and gives an answered or changed one a new key', () => {
    let made = 0;
    const keys = new SubmissionKeys(() => `key-${++made}`);
    expect(keys.keyFor({ prompt: 'a' })).toBe('key-1');
    expect(keys.keyFor({ prompt: 'a' })).toBe('key-1'); // the network failed: a retry
    expect(keys.keyFor({ prompt: 'b' })).toBe('key-2'); // the form changed: another job
    keys.answered();
    expect(keys.keyFor({ prompt: 'b' })).toBe('key-3'); // the same form again, on purpose
  });

  it('makes printable random keys by default, a new one each time', () => {
    const keys = new SubmissionKeys();
    const first = keys.keyFor({});
    keys.answered();
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(keys.keyFor({})).not.toBe(first);
  });
});
