import { Injectable, Logger } from '@nestjs/common';
import { CompletionMessage } from '@conduit/contracts';
import type { ResolvedModel } from '../catalog/model-catalog';
import { DEFAULT_SESSION_TITLE } from './session-defaults';
import { SessionRepository } from './session.repository';

const TITLE_TIMEOUT_MS = 15_000;
const MAX_TITLE_WORDS = 8;
const TITLE_INSTRUCTION =
  'Write a title for this conversation in at most six words. Reply with the title only: no quotes, no full stop.';

/**
 * Names a session after its first answer, if nobody named it: the model that answered writes the title;
 * where it cannot (offline placeholder, failure), the opening words of the question serve.
 */
@Injectable()
export class SessionTitler {
  private readonly logger = new Logger(SessionTitler.name);

  constructor(private readonly sessions: SessionRepository) {}

  async nameIfUntitled(
    session: { id: string; userId: string; title: string },
    prompt: CompletionMessage[],
    answer: string,
    model: ResolvedModel,
  ): Promise<void> {
    if (session.title !== DEFAULT_SESSION_TITLE) return;
    const question = prompt.findLast((m) => m.role === 'user')?.content ?? '';
    const title = (await this.askModel(model, question, answer)) ?? titleFromText(question);
    if (!title) return;
    try {
      await this.sessions.renameIfTitled(session.userId, session.id, DEFAULT_SESSION_TITLE, title);
    } catch (error) {
      this.logger.warn(`could not title session ${session.id}: ${String(error)}`);
    }
  }

  private async askModel(model: ResolvedModel, question: string, answer: string): Promise<string | null> {
    if (model.info.capabilities.includes('offline')) return null;
    try {
      let text = '';
      for await (const chunk of model.provider.stream({
        model: model.providerModel,
        messages: [
          { role: 'system', content: TITLE_INSTRUCTION },
          { role: 'user', content: `${question.slice(0, 2_000)}\n\n${answer.slice(0, 1_000)}` },
        ],
        params: { maxTokens: 24, temperature: 0.2 },
        signal: AbortSignal.timeout(TITLE_TIMEOUT_MS),
      })) {
        if (chunk.type === 'text') text += chunk.text;
      }
      return titleFromText(text);
    } catch {
      return null;
    }
  }
}

/** A tidy title from free text: the first line, quotes and trailing punctuation gone, a few words at most. */
export function titleFromText(text: string): string | null {
  const firstLine = text.split('\n').find((line) => line.trim().length > 0) ?? '';
  const words = firstLine
    .replace(/^title:\s*/i, '')
    .replace(/["“”«»]/g, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, MAX_TITLE_WORDS);
  const title = words
    .join(' ')
    .replace(/[.!?,;:]+$/, '')
    .slice(0, 80)
    .trim();
  return title.length > 0 ? title : null;
}
