import { QueryFailedError } from 'typeorm';
import { isUniqueViolation } from './unique-violation.js';

const failed = (code: unknown) => new QueryFailedError('INSERT …', [], Object.assign(new Error('refused'), { code }));

describe('isUniqueViolation', () => {
  it('recognises PostgreSQL and SQLite unique refusals', () => {
    expect(isUniqueViolation(failed('23505'))).toBe(true);
    expect(isUniqueViolation(failed('SQLITE_CONSTRAINT_UNIQUE'))).toBe(true);
    expect(isUniqueViolation(failed('SQLITE_CONSTRAINT_PRIMARYKEY'))).toBe(true);
  });

  it('is false for other failures and for errors that are not query failures', () => {
    expect(isUniqueViolation(failed('23503'))).toBe(false);
    expect(isUniqueViolation(failed('SQLITE_CONSTRAINT_FOREIGNKEY'))).toBe(false);
    expect(isUniqueViolation(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
