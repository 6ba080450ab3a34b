import { waitFor } from '@conduit/testing';
import type { Page } from 'playwright-core';
import { screenshot } from '../support/browser';
import { type ConsoleEnv, signUp } from './harness';

const answers = (page: Page) => page.locator('.message.assistant .content');

/** Chat: streamed answers, resume after a reload, stop, branches, and refusals shown as errors. */
export function chatTests(env: () => ConsoleEnv): void {
  it('streams an answer as it arrives, then lists the session', async () => {
    const { page, context, problems } = await env().openConsole();
    const started = startsOverWebSocket(page);
    const posted = messagePosts(page);
    await signUp(page);
    await page.getByLabel('Message', { exact: true }).fill('Hello from the console');
    await page.getByRole('button', { name: 'Send' }).click();
    // Seen while still streaming: part of the text, the answer marked busy.
    await page.locator('.message.assistant[aria-busy="true"] .content', { hasText: 'Offline' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Answer complete.' }).waitFor();
    await answers(page).filter({ hasText: 'Your message was 4 words long' }).waitFor();
    // A second message as soon as Send allows: its answer streams in place, beside the first.
    await page.getByLabel('Message', { exact: true }).fill('And again');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.message.assistant[aria-busy="true"] .content', { hasText: 'Offline' }).waitFor();
    await answers(page).filter({ hasText: 'Your message was 2 words long: "And again"' }).waitFor();
    expect(await answers(page).count()).toBe(2);
    // The second answer at least started over the /ws connection opened at sign-in, not as a POST.
    expect(started).toContainEqual(expect.objectContaining({ stream: 'chat.message', content: 'And again' }));
    expect(posted).not.toContain('And again');
    await page
      .getByRole('complementary', { name: 'Sessions' })
      .getByRole('button', { name: /Hello from the console/ })
      .waitFor();
    await screenshot(page, 'chat');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('picks an answer up again after a reload in the middle of it', async () => {
    const { page, context, problems } = await env().openConsole();
    await signUp(page);
    await page.getByLabel('Message', { exact: true }).fill('Please keep talking');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.message.assistant[aria-busy="true"] .content', { hasText: 'Offline' }).waitFor();
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Resumed the answer in progress.' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Answer complete.' }).waitFor();
    const text = (await answers(page).last().textContent()) ?? '';
    expect(text).toMatch(/^Offline placeholder: .*Your message was 3 words long: "Please keep talking"$/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('picks an answer up over SSE when the /ws connection drops in the middle of it', async () => {
    const { page, context, problems } = await env().openConsole();
    const seen = { ready: false, started: [] as string[], dropped: false };
    // Between the page and the gateway: the connection is closed (as at token expiry) after the
    // answer's first event.
    await page.routeWebSocket(
      (url) => url.pathname === '/ws',
      (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((message) => {
          const frame = JSON.parse(String(message)) as { type: string; request?: { content?: string } };
          if (frame.type === 'start') seen.started.push(frame.request?.content ?? '');
          server.send(message);
        });
        server.onMessage((message) => {
          ws.send(message);
          const { type } = JSON.parse(String(message)) as { type: string };
          seen.ready ||= type === 'ready';
          if (type === 'chat.event' && !seen.dropped) {
            seen.dropped = true;
            void ws.close({ code: 4401, reason: 'access token expired' });
          }
        });
      },
    );
    await signUp(page);
    await waitFor(() => seen.ready, 'the /ws connection opened at sign-in');
    await page.getByLabel('Message', { exact: true }).fill('Please keep talking');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('status').filter({ hasText: 'Resumed the answer in progress.' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Answer complete.' }).waitFor();
    expect(seen).toMatchObject({ started: ['Please keep talking'], dropped: true });
    expect(await answers(page).count()).toBe(1);
    const text = (await answers(page).last().textContent()) ?? '';
    expect(text).toMatch(/^Offline placeholder: .*Your message was 3 words long: "Please keep talking"$/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('stops an answer, regenerates it and switches between the two versions, edits a question', async () => {
    const { page, context } = await env().openConsole();
    await signUp(page);
    await page.getByLabel('Message', { exact: true }).fill('Stop me');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.message.assistant[aria-busy="true"] .content', { hasText: 'Offline' }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.message.assistant .badge', { hasText: 'cancelled' }).waitFor();

    await page.getByRole('button', { name: 'Regenerate' }).click();
    await page.getByRole('group', { name: 'Versions' }).getByText('2/2').waitFor();
    await page.getByRole('status').filter({ hasText: 'Answer complete.' }).waitFor();
    await page.getByRole('button', { name: 'Previous version' }).click();
    await page.getByRole('group', { name: 'Versions' }).getByText('1/2').waitFor();
    await page.locator('.message.assistant .badge', { hasText: 'cancelled' }).waitFor();

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Edited message').fill('Say it differently');
    await page.getByRole('button', { name: 'Save and answer' }).click();
    await answers(page).filter({ hasText: 'Your message was 3 words long: "Say it differently"' }).waitFor();
    await page.locator('.message.user').getByRole('group', { name: 'Versions' }).getByText('2/2').waitFor();
    await context.close();
  });

  it('shows a refused message (over budget) and keeps what was typed', async () => {
    const { page, context } = await env().openConsole();
    await signUp(page);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Limit (tokens)').fill('1');
    await page.getByRole('button', { name: 'Set budget' }).click();
    await page.getByText(/You: 1 tokens per month/).waitFor();
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByLabel('Message', { exact: true }).fill('Too expensive');
    await page.getByRole('button', { name: 'Send' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /budget/i })
      .waitFor();
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).toBe('Too expensive');
    await context.close();
  });
}

/** The `start` frames the page sends over `/ws`, each as its stream name and request. */
function startsOverWebSocket(page: Page): Record<string, unknown>[] {
  const starts: Record<string, unknown>[] = [];
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).pathname !== '/ws') return;
    socket.on('framesent', ({ payload }) => {
      const frame = JSON.parse(String(payload)) as { type: string; stream?: string; request?: object };
      if (frame.type === 'start') starts.push({ stream: frame.stream, ...frame.request });
    });
  });
  return starts;
}

/** The contents of the messages the page POSTs to a session. */
function messagePosts(page: Page): string[] {
  const contents: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && /\/chat\/sessions\/[^/]+\/messages$/.test(request.url()))
      contents.push((request.postDataJSON() as { content: string }).content);
  });
  return contents;
}
