import { Inject, Injectable, NotFoundException, UnauthorizedException, type OnModuleDestroy } from '@nestjs/common';
import { generateApiKey, parseApiKey } from '@vigil/auth';
import {
  pageWindow,
  positionById,
  toPage,
  type ApiKeyPrincipal,
  type ApiKeyView,
  type CreateApiKeyRequest,
  type CreatedApiKey,
  type Keyset,
  type Page,
  type PageRequest,
} from '@vigil/contracts';
import type { Logger } from '@vigil/observability';
import { CLOCK, LOGGER, type Clock } from '@vigil/runtime';
import { IsNull, LessThan, MoreThan, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../audit/audit.service.js';
import type { Caller } from '../common/caller.js';
import { RevocationPublisher } from '../common/revocations.js';
import { Transactions, isUniqueViolation } from '@vigil/persistence';
import { USER_CONFIG } from '../common/tokens.js';
import type { UserConfig } from '../user.config.js';
import { checkApiKey, LastUsedBuffer } from './api-key-check.js';
import { ApiKeyEntity, apiKeyView } from './api-key.entity.js';

/** API keys page by id (creation order). */
const LIST: Keyset = { sort: 'api_keys', order: 'asc' };

/** Uses are written shortly after they happen, batched, at most once per key and interval. */
const LAST_USED_FLUSH_DELAY_MS = 500;

@Injectable()
export class ApiKeysService implements OnModuleDestroy {
  private readonly lastUsed: LastUsedBuffer;
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Transactions,
    private readonly audit: AuditService,
    private readonly revocations: RevocationPublisher,
    @Inject(USER_CONFIG) config: UserConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.lastUsed = new LastUsedBuffer(config.API_KEY_LAST_USED_INTERVAL_SECONDS * 1000);
  }

  async create(caller: Caller, request: CreateApiKeyRequest): Promise<CreatedApiKey> {
    const now = new Date(this.clock());
    const scopes = [...new Set(request.scopes)];
    // The 8-character prefix is random; a collision with another key is refused by the unique index: draw again.
    for (let attempt = 1; ; attempt++) {
      const generated = generateApiKey();
      try {
        const row = await this.db.inTenant(caller.tenantId, async ({ manager }) => {
          const row = Object.assign(new ApiKeyEntity(), {
            id: uuidv7(),
            tenantId: caller.tenantId,
            name: request.name,
            prefix: generated.prefix,
            secretHash: generated.secretHash,
            scopes,
            createdBy: caller.actorId,
            createdAt: now,
            lastUsedAt: null,
            revokedAt: null,
          });
          await manager.getRepository(ApiKeyEntity).insert(row);
          await this.audit.record(manager, caller.tenantId, caller, {
            action: 'api-key.created',
            targetType: 'api-key',
            targetId: row.id,
            details: { name: row.name, prefix: row.prefix, scopes },
          });
          return row;
        });
        return { id: row.id, key: generated.key, prefix: row.prefix, name: row.name, scopes: row.scopes };
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 3) throw error;
      }
    }
  }

  list(caller: Caller, request: PageRequest): Promise<Page<ApiKeyView>> {
    const { limit, after } = pageWindow(request, LIST);
    return this.db.inTenant(caller.tenantId, async ({ manager }) => {
      const rows = await manager.getRepository(ApiKeyEntity).find({
        where: { tenantId: caller.tenantId, ...(after ? { id: MoreThan(after.id) } : {}) },
        order: { id: 'ASC' },
        take: limit + 1,
      });
      return toPage(rows, limit, LIST, positionById, apiKeyView);
    });
  }

  /** Revokes the key (idempotent: revoking a revoked key changes nothing and publishes nothing). */
  async revoke(caller: Caller, id: string): Promise<ApiKeyView> {
    const now = new Date(this.clock());
    const { key, revoked } = await this.db.inTenant(caller.tenantId, async ({ manager }) => {
      const key = await this.find(manager, caller.tenantId, id);
      if (key.revokedAt !== null) return { key, revoked: false };
      await manager.getRepository(ApiKeyEntity).update({ id: key.id, tenantId: caller.tenantId }, { revokedAt: now });
      await this.audit.record(manager, caller.tenantId, caller, {
        action: 'api-key.revoked',
        targetType: 'api-key',
        targetId: key.id,
        details: { name: key.name, prefix: key.prefix },
      });
      key.revokedAt = now;
      return { key, revoked: true };
    });
    if (revoked) await this.revocations.publish(caller.tenantId, { kind: 'api-key', id: key.id }, caller);
    return apiKeyView(key);
  }

  /** The gateway's check of a presented key. Platform scope: the key names its row by prefix, the row names the tenant. */
  async verify(raw: string): Promise<ApiKeyPrincipal> {
    const parsed = parseApiKey(raw);
    const stored = parsed
      ? await this.db.asPlatform(({ manager }) =>
          manager.getRepository(ApiKeyEntity).findOneBy({ prefix: parsed.prefix }),
        )
      : undefined;
    const result = checkApiKey(parsed, stored);
    if (!result.ok) {
      this.logger.info({ reason: result.reason, prefix: parsed?.prefix }, 'API key refused');
      throw new UnauthorizedException('API key is not valid');
    }
    if (this.lastUsed.touch(result.principal.keyId, result.principal.tenantId, new Date(this.clock())))
      this.scheduleFlush();
    return result.principal;
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flush();
  }

  /** Writes the due "last used" times now (also called on shutdown). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeLastUsed());
    return this.flushing;
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, LAST_USED_FLUSH_DELAY_MS);
    this.flushTimer.unref();
  }

  private async writeLastUsed(): Promise<void> {
    for (const { keyId, tenantId, at } of this.lastUsed.take()) {
      try {
        await this.db.inTenant(tenantId, ({ manager }) =>
          manager.getRepository(ApiKeyEntity).update(
            [
              { id: keyId, tenantId, lastUsedAt: IsNull() },
              { id: keyId, tenantId, lastUsedAt: LessThan(at) },
            ],
            { lastUsedAt: at },
          ),
        );
      } catch (error) {
        this.logger.warn({ err: error, keyId }, 'could not record when an API key was last used');
      }
    }
  }

  private async find(manager: EntityManager, tenantId: string, id: string): Promise<ApiKeyEntity> {
    const key = await manager.getRepository(ApiKeyEntity).findOneBy({ id, tenantId });
    if (!key) throw new NotFoundException(`API key ${id} not found`);
    return key;
  }
}
