import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@vigil/observability';
import { LOGGER } from '@vigil/runtime';
import { PasswordService } from '../auth/passwords.service.js';
import { passwordProblems } from '../auth/password-policy.js';
import { Transactions } from '@vigil/persistence';
import { USER_CONFIG } from '../common/tokens.js';
import type { UserConfig } from '../user.config.js';
import { TenantEntity } from './tenant.entity.js';
import { TenantsService } from './tenants.service.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@vigil.local';
const BOOTSTRAP_LOCK = 'vigil:user:bootstrap';

export type BootstrapOutcome = 'created' | 'exists';

/**
 * First start with an empty store: creates the default tenant and its admin from VIGIL_ADMIN_EMAIL /
 * VIGIL_ADMIN_PASSWORD. Without a password: a random one, printed once on stderr (never in the JSON log).
 * Replicas starting together: on PostgreSQL a transaction-level advisory lock serialises them and
 * the emptiness check runs under it (the unique slug backs that up); later starts find a tenant and do nothing.
 */
@Injectable()
export class BootstrapService implements OnModuleInit {
  constructor(
    private readonly db: Transactions,
    private readonly tenants: TenantsService,
    private readonly passwords: PasswordService,
    @Inject(USER_CONFIG) private readonly config: UserConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.run();
  }

  async run(): Promise<BootstrapOutcome> {
    if (await this.hasTenants()) return 'exists';
    const email = (this.config.VIGIL_ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL).trim().toLowerCase();
    let password = this.config.VIGIL_ADMIN_PASSWORD;
    const generated = password === undefined;
    // Without one, in either mode, a random password: whoever started Vigil must be able to sign in.
    // Of replicas starting together only the one that creates the admin prints it.
    if (password === undefined) password = generatePassword();
    const problems = passwordProblems(password, { email });
    if (problems.length)
      throw new Error(
        `Invalid configuration: VIGIL_ADMIN_PASSWORD ${problems.join(', ')} (it must be at least 12 characters, not common, not based on the email)`,
      );
    const passwordHash = await this.passwords.hash(password);

    const created = await this.db.asPlatform(async ({ manager }) => {
      if (this.db.dialect === 'postgres')
        await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [BOOTSTRAP_LOCK]);
      if ((await manager.getRepository(TenantEntity).count()) > 0) return false;
      const slug = this.config.VIGIL_DEFAULT_TENANT;
      await this.tenants.insertTenant(
        manager,
        {
          name: slug === 'default' ? 'Default' : slug,
          slug,
          admin: { email, name: 'Administrator', passwordHash, platformAdmin: this.config.VIGIL_PLATFORM_ADMIN },
        },
        { actorType: 'system', actorId: 'bootstrap', ip: null },
      );
      return true;
    });
    if (!created) return 'exists';
    this.logger.info(
      { tenant: this.config.VIGIL_DEFAULT_TENANT, email, platformAdmin: this.config.VIGIL_PLATFORM_ADMIN },
      'created the first tenant and its admin',
    );
    if (generated) {
      // Once, on its own plain line, for the person at the terminal; never in the JSON log.
      process.stderr.write(
        `\n  Vigil admin account created: ${email}  password: ${password}\n  (shown only this once; to choose them yourself, set VIGIL_ADMIN_EMAIL / VIGIL_ADMIN_PASSWORD before the first start)\n\n`,
      );
    }
    return 'created';
  }

  private hasTenants(): Promise<boolean> {
    return this.db.asPlatform(async ({ manager }) => (await manager.getRepository(TenantEntity).count()) > 0);
  }
}

function generatePassword(): string {
  for (;;) {
    const candidate = randomBytes(18).toString('base64url');
    if (passwordProblems(candidate).length === 0) return candidate;
  }
}
