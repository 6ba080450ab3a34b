import type { Block } from './markdown-blocks';
import type { Span } from './span';

/** The body blocks under one heading path, e.g. `["Install", "Linux"]` (empty before the first heading). */
export interface Section {
  readonly headingPath: readonly string[];
  /** Paragraphs and code blocks; empty for a heading with no text of its own. */
  readonly body: readonly Extract<Block, { kind: 'paragraph' | 'code' }>[];
  /** The heading line opening the section, when there is one. */
  readonly heading: Span | null;
  /** Whether deeper headings follow before the next heading of this level or higher. */
  readonly hasSubsections: boolean;
}

/** Groups blocks by the heading path they fall under (a heading closes every deeper or equal one). */
export function sectionsOf(blocks: readonly Block[]): Section[] {
  const sections: Section[] = [];
  const stack: { level: number; title: string }[] = [];
  let current: {
    headingPath: string[];
    body: Extract<Block, { kind: 'paragraph' | 'code' }>[];
    heading: Span | null;
    level: number;
  } = { headingPath: [], body: [], heading: null, level: 0 };

  const close = (nextLevel: number | null) => {
    sections.push({
      headingPath: current.headingPath,
      body: current.body,
      heading: current.heading,
      hasSubsections: nextLevel !== null && nextLevel > current.level && current.level > 0,
    });
  };

  for (const block of blocks) {
    if (block.kind !== 'heading') {
      current.body.push(block);
      continue;
    }
    close(block.level);
    while (stack.length > 0 && stack[stack.length - 1]!.level >= block.level) stack.pop();
    stack.push({ level: block.level, title: block.title });
    current = {
      headingPath: stack.map((entry) => entry.title),
      body: [],
      heading: { start: block.start, end: block.end },
      level: block.level,
    };
  }
  close(null);
  return sections;
}
