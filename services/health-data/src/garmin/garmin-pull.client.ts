import { Injectable } from '@nestjs/common';
import { InjectConfig } from '@conduit/service-kit';
import type { HealthDataConfig } from '../config';
import type { GarminSummaryType } from './garmin-summaries';

/** The pull was refused for good (4xx other than 429): the notification's summaries are rejected. */
export class GarminPullRefused extends Error {
  override readonly name = 'GarminPullRefused';
}

/**
 * Pulls summaries from the Garmin Health API after a ping. The URL is built from GARMIN_API_BASE_URL,
 * the summary type and the ping's upload window, never taken from the ping's callbackURL, so a
 * notification cannot make the service call anywhere else. A network fault, a timeout, 429 or 5xx is
 * thrown as a plain Error (the import is tried again later); other refusals as {@link GarminPullRefused}.
 */
@Injectable()
export class GarminPullClient {
  constructor(@InjectConfig() private readonly config: HealthDataConfig) {}

  async pull(
    type: GarminSummaryType,
    window: { uploadStartTimeInSeconds: number; uploadEndTimeInSeconds: number },
    accessToken: string,
  ): Promise<Record<string, unknown>[]> {
    const url = new URL(`${this.config.GARMIN_API_BASE_URL.replace(/\/+$/, '')}/${type}`);
    url.searchParams.set('uploadStartTimeInSeconds', String(window.uploadStartTimeInSeconds));
    url.searchParams.set('uploadEndTimeInSeconds', String(window.uploadEndTimeInSeconds));
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(this.config.GARMIN_PULL_TIMEOUT_MS),
      redirect: 'error',
    });
    if (response.status === 429 || response.status >= 500) {
      throw new Error(`the Garmin Health API answered ${response.status} for ${type}`);
    }
    if (!response.ok)
      throw new GarminPullRefused(`the Garmin Health API refused the pull of ${type} (${response.status})`);
    const body: unknown = await response.json().catch(() => null);
    if (!Array.isArray(body))
      throw new GarminPullRefused(`the Garmin Health API answered ${type} with no list`);
    return body.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
  }
}
