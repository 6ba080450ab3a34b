import type { AcceptedJob, ImageModelInfo, ImageModelList } from '@conduit/contracts';
import type { ApiClient } from '../../api/client';
import { ApiError } from '../../api/errors';
import { field, h, messageOf, replace, statusLine } from '../../ui/dom';
import { type ImageChoice, imageRequest, initialModel, initialSize, qualityChoices } from './image-request';
import { SubmissionKeys } from './submission-keys';

/** A job the panel follows: its id and what it was asked to make. */
export interface JobRef {
  id: string;
  prompt: string;
  model: string;
  size: string;
}

/** MAX_IMAGE_PROMPT_CHARS in the contracts (the console imports their types only). */
const MAX_PROMPT_CHARS = 4_000;

/** The form that starts image jobs, its model, size and quality choices those the API lists. */
export function imageForm(api: ApiClient, signal: AbortSignal, accepted: (job: JobRef) => void): HTMLElement {
  const prompt = h('textarea', {
    name: 'media-prompt',
    rows: 3,
    maxlength: MAX_PROMPT_CHARS,
    required: true,
  });
  const model = h('select', { name: 'media-model', disabled: true });
  const size = h('select', { name: 'media-size' });
  const quality = h('select', { name: 'media-quality' });
  const count = h('input', {
    name: 'media-n',
    type: 'number',
    min: 1,
    max: 1,
    value: 1,
    inputmode: 'numeric',
  });
  const qualityField = field('Quality', quality);
  const submit = h('button', { type: 'submit', disabled: true }, 'Generate');
  const status = statusLine();
  const keys = new SubmissionKeys();
  let models: ImageModelInfo[] = [];
  const controls = { prompt, model, size, quality, n: count };

  const showModel = () => {
    const chosen = models.find((candidate) => candidate.id === model.value);
    if (!chosen) return;
    const keptSize = chosen.sizes.some((value) => value === size.value) ? size.value : initialSize(chosen);
    replace(
      size,
      ...chosen.sizes.map((value) => h('option', { value, selected: value === keptSize }, value)),
    );
    const qualities = qualityChoices(chosen);
    replace(
      quality,
      h('option', { value: '' }, 'Default'),
      ...qualities.map((value) => h('option', { value }, value)),
    );
    qualityField.hidden = qualities.length === 0;
    count.max = String(chosen.maxImages);
    if (Number(count.value) > chosen.maxImages) count.value = String(chosen.maxImages);
  };
  model.addEventListener('change', showModel);

  const form = h(
    'form',
    { class: 'media-form', 'aria-label': 'Generate an image', novalidate: true },
    field('Prompt', prompt),
    h(
      'div',
      { class: 'media-options' },
      field('Model', model),
      field('Size', size),
      qualityField,
      field('Images', count),
    ),
    h('div', { class: 'actions' }, submit),
    status.element,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const control of Object.values(controls)) control.removeAttribute('aria-invalid');
    const choice: ImageChoice = {
      prompt: prompt.value,
      model: model.value,
      size: size.value,
      quality: qualityField.hidden ? '' : quality.value,
      n: count.value,
    };
    const request = imageRequest(choice, models);
    if ('error' in request) {
      status.show(request.error, 'error');
      controls[request.field].setAttribute('aria-invalid', 'true');
      controls[request.field].focus();
      return;
    }
    submit.disabled = true;
    status.show('Submitting…');
    api
      .json<AcceptedJob>('/api/v1/media/images', {
        body: request.body,
        headers: { 'idempotency-key': keys.keyFor(request.body) },
        signal,
      })
      .then((job) => {
        keys.answered();
        status.show(job.created ? 'Accepted.' : 'Already submitted: showing that job.');
        accepted({ id: job.jobId, ...request.body });
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError) keys.answered();
        if (!signal.aborted) status.show(messageOf(error), 'error');
      })
      .finally(() => (submit.disabled = false));
  });

  api
    .json<ImageModelList>('/api/v1/media/images/models', { signal })
    .then((list) => {
      models = list.models;
      const chosen = initialModel(models);
      replace(
        model,
        ...models.map((info) =>
          h(
            'option',
            { value: info.id, disabled: !info.available, selected: info === chosen },
            info.available ? info.id : `${info.id} (not configured here)`,
          ),
        ),
      );
      model.disabled = false;
      submit.disabled = !chosen;
      if (chosen) showModel();
      else status.show('No image model is configured on this server.', 'error');
    })
    .catch((error: unknown) => {
      if (!signal.aborted) status.show(messageOf(error), 'error');
    });

  return h('div', { class: 'card' }, h('h3', {}, 'New image'), form);
}
