import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Failed sign-ins per email and client address, or per client address, shared by every replica (a platform table: an
 * email may exist in several tenants, or in none). The key is a SHA-256, never the email itself.
 */
@Entity({ name: 'login_attempts' })
// Retention (rows whose window and lock ended LOGIN_ATTEMPTS_RETENTION_HOURS ago).
@Index('IDX_login_attempts_window', ['windowStartedAt'])
export class LoginAttemptEntity {
  /** sha256(`email+ip:<email>\n<address>`) or sha256(`ip:<address>`), hex. */
  @PrimaryColumn({ name: 'key', type: 'varchar', length: 64 })
  key!: string;

  @Column({ name: 'failures', type: 'integer' })
  failures!: number;

  @Column({ name: 'window_started_at', type: Date })
  windowStartedAt!: Date;

  @Column({ name: 'locked_until', type: Date, nullable: true })
  lockedUntil!: Date | null;
}
