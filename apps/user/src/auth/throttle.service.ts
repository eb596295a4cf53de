import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Transactions } from '@vigil/persistence';
import { USER_CONFIG } from '../common/tokens.js';
import type { UserConfig } from '../user.config.js';
import { LoginAttemptEntity } from './login-attempt.entity.js';
import { recordFailure, retryAfterSeconds, type ThrottlePolicy } from './throttle.js';

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

/** Sign-in throttling state in the database (platform table `login_attempts`), shared by every replica. */
@Injectable()
export class ThrottleService {
  private readonly emailPolicy: ThrottlePolicy;
  private readonly ipPolicy: ThrottlePolicy;

  constructor(
    private readonly db: Transactions,
    @Inject(USER_CONFIG) config: UserConfig,
  ) {
    const windowMs = config.LOGIN_FAILURE_WINDOW_SECONDS * 1000;
    const lockoutMs = config.LOGIN_LOCKOUT_SECONDS * 1000;
    this.emailPolicy = {
      maxFailures: config.LOGIN_MAX_FAILURES,
      slowdownAfter: config.LOGIN_SLOWDOWN_AFTER,
      windowMs,
      lockoutMs,
    };
    // Many people may share one address (NAT, proxy): no slowdown there, only a lock at a high count.
    this.ipPolicy = {
      maxFailures: config.LOGIN_MAX_FAILURES_PER_IP,
      slowdownAfter: config.LOGIN_MAX_FAILURES_PER_IP,
      windowMs,
      lockoutMs,
    };
  }

  /**
   * The email counts together with the client address, never alone: failures from an attacker's
   * address must not lock the owner out from theirs. The address also counts on its own, at a
   * higher limit, so one address cannot guess across many emails. Without an address (a caller
   * that did not say) the email counts in one shared bucket of unknown addresses.
   */
  keysFor(email: string, ip: string | null): ThrottleKey[] {
    const keys = [{ key: digest(`email+ip:${email}\n${ip ?? ''}`), policy: this.emailPolicy }];
    if (ip) keys.push({ key: digest(`ip:${ip}`), policy: this.ipPolicy });
    return keys;
  }

  /** Seconds to wait before the next attempt (the longest over the keys); 0 = go ahead. */
  async retryAfter(keys: ThrottleKey[], now: Date): Promise<number> {
    const rows = await this.db.asPlatform(({ manager }) =>
      manager.getRepository(LoginAttemptEntity).findBy({ key: In(keys.map((k) => k.key)) }),
    );
    return Math.max(0, ...rows.map((row) => retryAfterSeconds(row, now)));
  }

  async recordFailure(keys: ThrottleKey[], now: Date): Promise<void> {
    await this.db.asPlatform(async ({ manager }) => {
      const repo = manager.getRepository(LoginAttemptEntity);
      for (const { key, policy } of keys) {
        // Create the row if missing, then read it locked (PostgreSQL) so concurrent failures all count.
        await repo
          .createQueryBuilder()
          .insert()
          .values({ key, failures: 0, windowStartedAt: now, lockedUntil: null })
          .orIgnore()
          .execute();
        const row = await repo.findOne({
          where: { key },
          ...(this.db.dialect === 'postgres' ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        });
        const next = recordFailure(row && row.failures > 0 ? row : undefined, now, policy);
        await repo.update({ key }, next);
      }
    });
  }

  /** A successful sign-in clears its email and address's count (not the address's own: one success must not unlock a guessing address). */
  async clear(key: ThrottleKey): Promise<void> {
    await this.db.asPlatform(({ manager }) => manager.getRepository(LoginAttemptEntity).delete({ key: key.key }));
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
