import type { Strategy } from 'passport-strategy';

/**
 * Runs a passport strategy on one request outside any middleware, the way passport itself does: on a
 * per-attempt copy whose success/fail/error settle a promise. Resolves null when the strategy fails.
 */
export function runPassportStrategy<User>(strategy: Strategy, request: object): Promise<User | null> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as Strategy;
    attempt.success = (user: User) => resolve(user);
    attempt.fail = () => resolve(null);
    attempt.error = (error: Error) => reject(error);
    attempt.redirect = () => resolve(null);
    attempt.pass = () => resolve(null);
    attempt.authenticate(request as Parameters<Strategy['authenticate']>[0]);
  });
}
