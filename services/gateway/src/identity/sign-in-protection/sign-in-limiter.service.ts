import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RateLimiterRes, type RLWrapperTimeouts } from 'rate-limiter-flexible';
import { InjectConfig, REDIS, sharedLimiter } from '@conduit/service-kit';
import type { GatewayConfig } from '../../config';
import { clientAddressKey } from './client-address';
import { FailureBackoff } from './failure-backoff';
import { signInRefused, type SignInLimit } from './sign-in-refused.error';

const DAY_SECONDS = 24 * 3600;

/**
 * What stands between the public sign-up, sign-in and refresh routes and password guessing, counted in
 * Redis for every replica (the scheme of rate-limiter-flexible's login-protection recipe):
 *
 * - every request to those routes, per client address and minute (each sign-in or sign-up costs a
 *   password hash, so this bounds what one address can make the gateway compute);
 * - failed sign-ins in a row per account from one address, and per account from any address, each
 *   failure past the free ones blocking that subject for twice as long as the last;
 * - failed sign-ins per address in a day from its first, however many accounts they were spread over.
 *
 * Unknown emails count like known ones, so the limits say nothing about who has an account.
 */
@Injectable()
export class SignInLimiter {
  private readonly attempts: RLWrapperTimeouts | null;
  private readonly pairFailures: FailureBackoff;
  private readonly accountFailures: FailureBackoff;
  private readonly dailyAddressFailures: RLWrapperTimeouts | null;
  private readonly failuresPerDayPerAddress: number;

  constructor(@Inject(REDIS) redis: Redis, @InjectConfig() config: GatewayConfig) {
    const perMinute = config.AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS;
    this.attempts =
      perMinute > 0
        ? sharedLimiter(redis, { keyPrefix: 'sign-in:attempts', points: perMinute, duration: 60 })
        : null;
    const maxSeconds = config.AUTH_BACKOFF_MAX_SECONDS;
    this.pairFailures = new FailureBackoff(redis, 'pair', config.AUTH_FAILURES_BEFORE_BACKOFF, maxSeconds);
    this.accountFailures = new FailureBackoff(
      redis,
      'account',
      config.AUTH_ACCOUNT_FAILURES_BEFORE_BACKOFF,
      maxSeconds,
    );
    const perDay = config.AUTH_FAILURES_PER_DAY_PER_ADDRESS;
    this.failuresPerDayPerAddress = perDay;
    this.dailyAddressFailures =
      perDay > 0
        ? sharedLimiter(redis, {
            keyPrefix: 'sign-in:address-failures',
            points: perDay,
            duration: DAY_SECONDS,
          })
        : null;
  }

  /** Counts one request to a sign-in route from `ip`; 429 once the address is over its per-minute limit. */
  async admitAttempt(ip: string | undefined): Promise<void> {
    if (!this.attempts) return;
    try {
      await this.attempts.consume(clientAddressKey(ip));
    } catch (refusal) {
      throw asRefusal('attempts-per-address', refusal);
    }
  }

  /** 429 while `email`, from this address or from any, or the address itself, is blocked after failures. */
  async assertMayTry(ip: string | undefined, email: string): Promise<void> {
    const subjects = subjectsOf(ip, email);
    const [pair, account, address] = await Promise.all([
      this.pairFailures.blockedForMs(subjects.pair),
      this.accountFailures.blockedForMs(subjects.account),
      this.addressBlockedForMs(subjects.address),
    ]);
    const refusals: [SignInLimit, number][] = [
      ['failures-per-address-and-account', pair],
      ['failures-per-account', account],
      ['failures-per-address', address],
    ];
    const [limit, ms] = refusals.reduce((longest, next) => (next[1] > longest[1] ? next : longest));
    if (ms > 0) throw signInRefused(limit, ms);
  }

  async recordFailure(ip: string | undefined, email: string): Promise<void> {
    const subjects = subjectsOf(ip, email);
    await Promise.all([
      this.pairFailures.failed(subjects.pair),
      this.accountFailures.failed(subjects.account),
      this.dailyAddressFailures?.penalty(subjects.address, 1),
    ]);
  }

  /** The account's owner got in: failures in a row start over (the address's daily count does not). */
  async recordSuccess(ip: string | undefined, email: string): Promise<void> {
    const subjects = subjectsOf(ip, email);
    await Promise.all([
      this.pairFailures.succeeded(subjects.pair),
      this.accountFailures.succeeded(subjects.account),
    ]);
  }

  private async addressBlockedForMs(address: string): Promise<number> {
    if (!this.dailyAddressFailures) return 0;
    const count = await this.dailyAddressFailures.get(address);
    return count && count.consumedPoints >= this.failuresPerDayPerAddress
      ? Math.max(1, count.msBeforeNext)
      : 0;
  }
}

function subjectsOf(ip: string | undefined, email: string) {
  const address = clientAddressKey(ip);
  const account = email.toLowerCase();
  return { address, account, pair: `${address}|${account}` };
}

function asRefusal(limit: SignInLimit, rejection: unknown): unknown {
  return rejection instanceof RateLimiterRes
    ? signInRefused(limit, Math.max(1, rejection.msBeforeNext))
    : rejection;
}
