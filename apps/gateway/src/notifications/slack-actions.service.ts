import { Inject, Injectable, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { SlackReplayGuard, verifySlackSignature } from '@vigil/auth';
import {
  RpcPatterns,
  SYSTEM_TENANT,
  type Actor,
  type AlertView,
  type Page,
  type RpcPattern,
  type SlackMessageOwner,
  type UserView,
} from '@vigil/contracts';
import { RpcRemoteError, VigilBusClient, type Logger } from '@vigil/messaging';
import { CLOCK, LOGGER, type Clock } from '@vigil/runtime';
import type { GatewayConfig } from '../gateway.config.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { slackClickOf, type SlackClick } from './slack-click.js';

/** What Slack shows the person who clicked, only to them. */
export interface SlackReply {
  response_type: 'ephemeral';
  replace_original: false;
  text: string;
}

/** Slack waits 3 s for the answer; past this, the click is answered and finishes on its own. */
export const SLACK_ANSWER_WITHIN_MS = 2_500;
const SILENCE_MS = 60 * 60 * 1000;
/** Most labels a silence matches on (the silences' own limit). */
const MAX_SILENCE_MATCHERS = 32;
/** Roles whose users may handle alerts (the acknowledge and resolve routes' roles). */
const RESPONDER_ROLES: ReadonlySet<string> = new Set(['admin', 'manager', 'operator']);
const DONE: Record<SlackClick['action'], string> = {
  acknowledge: 'acknowledged',
  resolve: 'resolved',
  silence: 'silenced for 1 hour',
};

function reply(text: string): SlackReply {
  return { response_type: 'ephemeral', replace_original: false, text };
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RpcRemoteError ? error.status : undefined;
}

/**
 * Slack's button clicks (Acknowledge, Resolve, Silence 1h) on Vigil's messages: the v0 signature of
 * the raw body checked (SLACK_SIGNING_SECRET, five-minute window, each signed request taken once),
 * the message's tenant and alert asked of the notification service, the Slack user mapped to the
 * Vigil user of that tenant with the same email, and the action applied with that user's rights
 * (operators and up), through the same RPCs as the API routes.
 */
@Injectable()
export class SlackActions {
  private readonly replays: SlackReplayGuard;

  constructor(
    private readonly bus: VigilBusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.replays = new SlackReplayGuard(100_000, clock);
  }

  /** Throws 401 for a request Slack did not sign (or one already taken), 503 when no signing secret is set. */
  verify(headers: Record<string, string | string[] | undefined>, rawBody: Buffer): void {
    const signingSecret = this.config.SLACK_SIGNING_SECRET;
    if (!signingSecret)
      throw new ServiceUnavailableException('Slack interactivity is not configured: set SLACK_SIGNING_SECRET');
    const header = (name: string) => {
      const value = headers[name];
      return Array.isArray(value) ? undefined : value;
    };
    const timestamp = header('x-slack-request-timestamp');
    const signature = header('x-slack-signature');
    const check = verifySlackSignature({ signingSecret, timestamp, signature, rawBody, now: this.clock() });
    if (!check.ok) throw new UnauthorizedException(check.message);
    if (!this.replays.firstUse(signature!, timestamp!))
      throw new UnauthorizedException('this signed request was already taken (a replay)');
  }

  /** Applies a verified click; answers within SLACK_ANSWER_WITHIN_MS whatever happens. */
  async handle(rawBody: Buffer, ip: string): Promise<SlackReply> {
    const click = slackClickOf(rawBody.toString('utf8'));
    if ('problem' in click) return reply(`Vigil did nothing: ${click.problem}.`);
    let timer: NodeJS.Timeout | undefined;
    const work = this.apply(click, ip).catch((error: unknown) => {
      this.logger.error({ err: error, alertId: click.alertId, action: click.action }, 'a Slack action failed');
      return reply(`Vigil could not ${click.action} the alert: ${(error as Error).message}`);
    });
    const late = new Promise<SlackReply>((resolve) => {
      timer = setTimeout(
        () => resolve(reply(`Vigil is still applying "${click.action}"; the message updates when it is done.`)),
        SLACK_ANSWER_WITHIN_MS,
      );
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async apply(click: SlackClick, ip: string): Promise<SlackReply> {
    let owner: SlackMessageOwner;
    try {
      owner = await this.bus.request<SlackMessageOwner>(RpcPatterns.NotificationSlackMessageLookup, {
        tenantId: SYSTEM_TENANT,
        actor: { kind: 'service', id: 'gateway-slack-actions', ip },
        payload: { channel: click.channel, ts: click.messageTs, userId: click.userId },
      });
    } catch (error) {
      if (statusOf(error) === 404) return reply("Vigil did nothing: this message is not one of Vigil's alerts.");
      throw error;
    }
    if (owner.alertId !== click.alertId)
      return reply('Vigil did nothing: the button does not belong to the alert of this message.');
    const email = owner.userEmail ?? click.userEmail;
    if (!email)
      return reply(
        'Vigil did nothing: it cannot read your Slack email (the Slack app needs the users:read.email scope), so it cannot tell who you are in Vigil.',
      );
    const user = await this.userByEmail(owner.tenantId, email);
    if (!user || !user.active) return reply(`Vigil did nothing: ${email} is not an active Vigil user of this tenant.`);
    if (!RESPONDER_ROLES.has(user.role))
      return reply(`Vigil did nothing: your role (${user.role}) cannot ${click.action} alerts.`);
    const actor: Actor = { kind: 'user', id: user.id, ip };
    const asUser = <T>(pattern: RpcPattern, payload: object) =>
      this.bus.request<T>(pattern, { tenantId: owner.tenantId, actor, payload });
    try {
      if (click.action === 'acknowledge') await asUser(RpcPatterns.AlertAcknowledge, { id: owner.alertId });
      else if (click.action === 'resolve') await asUser(RpcPatterns.AlertResolve, { id: owner.alertId });
      else {
        const alert = await asUser<AlertView>(RpcPatterns.AlertGet, { id: owner.alertId });
        const matchers = Object.entries(alert.labels)
          .sort(([a], [b]) => a.localeCompare(b))
          .slice(0, MAX_SILENCE_MATCHERS)
          .map(([name, value]) => ({ name, op: '=', value }));
        if (matchers.length === 0) return reply('Vigil did nothing: the alert has no labels to silence it by.');
        const now = this.clock();
        await asUser(RpcPatterns.AlertSilencesCreate, {
          matchers,
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + SILENCE_MS).toISOString(),
          comment: `Silenced for 1 hour from Slack by ${email}`,
        });
      }
    } catch (error) {
      const status = statusOf(error);
      // The alert service's refusals (already resolved, no such alert) are the user's answer.
      if (status !== undefined && status >= 400 && status < 500)
        return reply(`Vigil did nothing: ${(error as Error).message}`);
      throw error;
    }
    return reply(`Alert ${DONE[click.action]} by ${email}.`);
  }

  /** The tenant's user with this email (case-insensitive). */
  private async userByEmail(tenantId: string, email: string): Promise<UserView | undefined> {
    const page: Page<UserView> = await this.bus.request<Page<UserView>>(RpcPatterns.UserUsersList, {
      tenantId,
      actor: { kind: 'service', id: 'gateway-slack-actions' },
      payload: { email, limit: 1 },
    });
    return page.items[0];
  }
}
