import type { RecalledPassage } from '@conduit/contracts';
import { memoryPromptOf } from './memory-prompt';

const passage = (text: string, overrides: Partial<RecalledPassage> = {}): RecalledPassage => ({
  documentId: 'd1',
  chunkId: 'c1',
  score: 0.9,
  title: null,
  collection: 'chat',
  sessionId: '6d3c2f8e-7c1b-4a43-9a55-0b9a3c1f2e10',
  text,
  ...overrides,
});

describe('memoryPromptOf', () => {
  it('numbers passages best first and says where each comes from', () => {
    const prompt = memoryPromptOf(
      [
        passage('My sister Ada lives in Lyon.'),
        passage('Boiling point notes', { sessionId: null, collection: 'notes', title: 'Chemistry' }),
      ],
      10_000,
    );
    expect(prompt?.included).toBe(2);
    expect(prompt?.content).toContain('[1] (an earlier conversation)\nMy sister Ada lives in Lyon.');
    expect(prompt?.content).toContain('[2] (collection "notes", "Chemistry")\nBoiling point notes');
  });

  it('keeps whole passages within the size limit and counts what it kept', () => {
    const long = 'x'.repeat(400);
    const prompt = memoryPromptOf([passage(long), passage(long), passage(long)], 1_200);
    expect(prompt?.included).toBe(2);
    expect(prompt?.content.length).toBeLessThanOrEqual(1_200);
    expect(prompt?.content).not.toContain('[3]');
  });

  it('gives nothing when no passage fits or none was recalled', () => {
    expect(memoryPromptOf([], 10_000)).toBeNull();
    expect(memoryPromptOf([passage('y'.repeat(5_000))], 1_000)).toBeNull();
  });
});
