import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { v7 as uuidv7 } from 'uuid';
import { isoMicros } from './time.js';

export const ACTOR_KINDS = ['user', 'api-key', 'service', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Who caused a message: set by the gateway from the credential, or by the service acting on its own. */
export class Actor {
  @IsIn(ACTOR_KINDS)
  kind!: ActorKind;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  id!: string;

  /** The client address the gateway saw, for the audit log. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ip?: string;
}

/**
 * Every message on the bus, event or RPC, travels in this envelope (docs/architecture.md, "Messages").
 * `payload` is validated separately, with the class registered for `type` (see payloadClassOf).
 */
export class Envelope<P = unknown> {
  /** UUIDv7: unique, and sortable by creation time. Consumers are idempotent on it. */
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, { message: 'id must be a UUIDv7' })
  id!: string;

  /** Routing key (events) or RPC pattern. */
  @Matches(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, {
    message: 'type must be a dotted routing key such as alert.created',
  })
  type!: string;

  @IsString()
  @IsNotEmpty({ message: 'tenantId is required' })
  @MaxLength(64)
  tenantId!: string;

  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, {
    message: 'occurredAt must be ISO-8601 UTC with microseconds',
  })
  occurredAt!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  correlationId!: string;

  @IsInt()
  @Min(1)
  schemaVersion!: number;

  @IsOptional()
  @IsObject({ message: 'actor must be an object' })
  @ValidateNested()
  @Type(() => Actor)
  actor?: Actor;

  @IsObject({ message: 'payload must be a JSON object' })
  payload!: P;
}

export interface EnvelopeInit<P> {
  type: string;
  tenantId: string;
  payload: P;
  correlationId?: string;
  actor?: Actor;
  schemaVersion?: number;
}

/** Builds a new envelope; the correlation id defaults to the envelope's own id (a new causal chain). */
export function createEnvelope<P>(init: EnvelopeInit<P>): Envelope<P> {
  const id = uuidv7();
  return {
    id,
    type: init.type,
    tenantId: init.tenantId,
    occurredAt: isoMicros(),
    correlationId: init.correlationId ?? id,
    schemaVersion: init.schemaVersion ?? 1,
    ...(init.actor ? { actor: init.actor } : {}),
    payload: init.payload,
  };
}
