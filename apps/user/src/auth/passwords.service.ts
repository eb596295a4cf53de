import { Injectable } from '@nestjs/common';
import { invalidField } from '../common/errors.js';
import { hashPassword, needsRehash, unmatchableHash, verifyPassword } from './password.js';
import { PASSWORD_REQUIREMENTS, passwordProblems, type PasswordContext } from './password-policy.js';

/** Hashing, verification and the strength rule, as the services use them. */
@Injectable()
export class PasswordService {
  private readonly dummy = unmatchableHash();

  /** 422 naming the field and every rule the password breaks. */
  assertStrong(password: string, context: PasswordContext, field = 'password'): void {
    const problems = passwordProblems(password, context);
    if (problems.length)
      throw invalidField(field, `must be ${PASSWORD_REQUIREMENTS}; this one ${problems.join(', ')}`, { problems });
  }

  hash(password: string): Promise<string> {
    return hashPassword(password);
  }

  verify(password: string, stored: string): Promise<boolean> {
    return verifyPassword(password, stored);
  }

  needsRehash(stored: string): boolean {
    return needsRehash(stored);
  }

  /**
   * Verifies against a hash no password matches, with the same parameters as real ones: an unknown
   * email, an invited user or a failed lookup costs the same time as a wrong password.
   */
  async burn(password: string): Promise<void> {
    await verifyPassword(password, this.dummy);
  }
}
