import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { screenshot } from '../support/browser';
import { type ConsoleEnv, signUp } from './harness';

/**
 * A spoken question for Chromium's fake microphone: espeak-ng's speech as 48 kHz mono 16-bit PCM (what
 * the fake device reads best) with two seconds of silence after it, so the service's VAD ends the turn.
 * `%noloop` makes the device play it once per capture, then silence, instead of asking again and again.
 */
export function questionWav(): string {
  const dir = mkdtempSync(join(tmpdir(), 'console-voice-'));
  const spoken = join(dir, 'spoken.wav');
  const question = join(dir, 'question.wav');
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', spoken, 'what is the weather like in paris today']);
  execFileSync('sox', [spoken, '-r', '48000', '-c', '1', '-b', '16', question, 'pad', '0.3', '2']);
  return `${question}%noloop`;
}

/** Voice: a turn spoken into the (fake) microphone, its transcript, the streamed reply, its latency chart. */
export function voiceTests(env: () => ConsoleEnv): void {
  it('hears a spoken question, shows the transcript, plays the reply and charts the turn', async () => {
    const { page, context, problems } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Voice' }).click();
    await page.getByRole('button', { name: 'Start conversation' }).click();

    const you = page.locator('.voice-you:not(.partial)').filter({ hasText: /^You: \S+/ });
    await you.waitFor({ timeout: 60_000 });
    await page
      .getByTestId('voice-received-bytes')
      .filter({ hasText: /^[1-9]\d*$/ })
      .waitFor({ timeout: 60_000 });
    await page.locator('.voice-reply').filter({ hasText: 'Assistant: ' }).waitFor();

    // Cutting the reply short ends the turn at once (the offline answer is long), with its metrics.
    await page.getByRole('button', { name: 'Interrupt' }).click();
    await page.getByText(/^Interrupted; heard:/).waitFor();
    await page.getByRole('img', { name: /Turn latency from the end of speech/ }).waitFor();
    await screenshot(page, 'voice');

    await page.getByRole('button', { name: 'End conversation' }).click();
    await page.getByText('The conversation ended.').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
}
