import { isIP } from 'node:net';
import type { ChannelType } from '@vigil/contracts';
import { isPublicAddress, type Cidr } from '@vigil/netguard';
import { isEmail } from 'class-validator';
import type { ChannelTarget } from '../providers/index.js';

/** A field a channel input got wrong: `problem` starts with the field's name (`config.to.1: …`). */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** What a channel holds: settings shown by the API, and secrets that are sealed and never shown. */
export interface ChannelSettings {
  config: Record<string, unknown>;
  secrets: Record<string, string>;
}

/** What the checks need to know of the installation. */
export interface ChannelRules {
  /** SLACK_API_URL: a webhook URL on its origin is the operator's own Slack-compatible endpoint, so http is allowed there. */
  slackApiUrl: string;
  /** NOTIFY_ALLOWED_CIDRS: private addresses a webhook URL may name. */
  allowedCidrs: readonly Cidr[];
}

export const MAX_EMAIL_RECIPIENTS = 50;
const MAX_SECRET_CHARS = 4096;
/** A Slack conversation id (C…, G…, D…) or a channel name as chat.postMessage takes it. */
const SLACK_CHANNEL = /^#?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const TOKEN = /^[\x21-\x7e]{1,512}$/;

/** The settings each type takes; `required` ones must be present after a change too. */
const FIELDS: Record<ChannelType, { config: Record<string, boolean>; secrets: Record<string, boolean> }> = {
  slack: { config: { channelId: true }, secrets: { botToken: true } },
  'slack-webhook': { config: {}, secrets: { webhookUrl: true } },
  email: { config: { to: true, from: false }, secrets: { smtpUrl: false } },
};

function problem(field: string, text: string): FieldProblem {
  return { field, problem: `${field}: ${text}` };
}

function isLocalHost(host: string, allowed: readonly Cidr[]): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  return isIP(bare) !== 0 && !isPublicAddress(bare, allowed);
}

/**
 * A Slack incoming-webhook URL: https (plain http only on the origin of SLACK_API_URL, the
 * Slack-compatible endpoint the operator configured), no credentials, and not a literal loopback,
 * private or link-local address unless NOTIFY_ALLOWED_CIDRS contains it (names are checked again when
 * the message is sent, as they may resolve elsewhere later).
 */
export function webhookUrlProblem(text: string, rules: ChannelRules): FieldProblem | null {
  const field = 'secrets.webhookUrl';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return problem(field, 'must be an absolute https URL');
  }
  if (url.username || url.password) return problem(field, 'must not carry a user name or password');
  const onSlackApi = URL.canParse(rules.slackApiUrl) && url.origin === new URL(rules.slackApiUrl).origin;
  if (url.protocol !== 'https:' && !(onSlackApi && url.protocol === 'http:'))
    return problem(field, `must be https, not ${url.protocol.replace(/:$/, '')}`);
  if (isLocalHost(url.hostname, rules.allowedCidrs))
    return problem(field, `${url.hostname} is a local or private address; add it to NOTIFY_ALLOWED_CIDRS to allow it`);
  return null;
}

function smtpUrlProblem(text: string): FieldProblem | null {
  const field = 'secrets.smtpUrl';
  if (!URL.canParse(text)) return problem(field, 'must be an smtp:// or smtps:// URL');
  const url = new URL(text);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    return problem(field, `must be smtp or smtps, not ${url.protocol.replace(/:$/, '')}`);
  if (!url.hostname) return problem(field, 'must name a host');
  return null;
}

/** `someone@example.com` or `Name <someone@example.com>`. */
function isSender(text: string): boolean {
  const named = /^[^<>\r\n]{0,200}<([^<>\s]+)>$/.exec(text.trim());
  return isEmail(named ? named[1]! : text.trim());
}

function configProblem(type: ChannelType, config: Record<string, unknown>): FieldProblem | null {
  switch (type) {
    case 'slack': {
      const channelId = config['channelId'];
      if (typeof channelId !== 'string' || !SLACK_CHANNEL.test(channelId))
        return problem('config.channelId', 'must be a Slack channel id such as C0123456789 (or #name)');
      return null;
    }
    case 'slack-webhook':
      return null;
    case 'email': {
      const to = config['to'];
      if (!Array.isArray(to) || to.length === 0)
        return problem('config.to', 'must list the recipients, e.g. ["oncall@example.com"]');
      if (to.length > MAX_EMAIL_RECIPIENTS)
        return problem('config.to', `at most ${MAX_EMAIL_RECIPIENTS} recipients, not ${to.length}`);
      for (const [index, address] of to.entries())
        if (typeof address !== 'string' || !isEmail(address))
          return problem(`config.to.${index}`, `${JSON.stringify(address)} is not an email address`);
      if (new Set(to.map((address: string) => address.toLowerCase())).size !== to.length)
        return problem('config.to', 'names a recipient twice');
      const from = config['from'];
      if (from !== undefined && (typeof from !== 'string' || !isSender(from)))
        return problem('config.from', 'must be an email address, or "Name <address>"');
      return null;
    }
  }
}

function secretsProblem(type: ChannelType, secrets: Record<string, string>, rules: ChannelRules): FieldProblem | null {
  switch (type) {
    case 'slack':
      if (!TOKEN.test(secrets['botToken'] ?? ''))
        return problem('secrets.botToken', 'must be the bot token (xoxb-…), without spaces');
      return null;
    case 'slack-webhook':
      return webhookUrlProblem(secrets['webhookUrl'] ?? '', rules);
    case 'email':
      return secrets['smtpUrl'] === undefined ? null : smtpUrlProblem(secrets['smtpUrl']);
  }
}

/**
 * The settings of a channel of `type`, checked whole: no field the type does not take, every required
 * one present, each well-formed. The first problem found, naming its field.
 */
export function channelSettingsProblem(
  type: ChannelType,
  settings: ChannelSettings,
  rules: ChannelRules,
): FieldProblem | null {
  const fields = FIELDS[type];
  for (const part of ['config', 'secrets'] as const) {
    const allowed = fields[part];
    const names = Object.keys(allowed);
    for (const key of Object.keys(settings[part]))
      if (!Object.hasOwn(allowed, key))
        return problem(
          `${part}.${key}`,
          `a ${type} channel takes no such ${part === 'config' ? 'setting' : 'secret'}${names.length ? ` (${names.join(', ')})` : ''}`,
        );
    for (const [key, required] of Object.entries(allowed))
      if (required && settings[part][key] === undefined)
        return problem(`${part}.${key}`, `is required for a ${type} channel`);
  }
  for (const [key, value] of Object.entries(settings.secrets))
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SECRET_CHARS)
      return problem(`secrets.${key}`, `must be a non-empty string of at most ${MAX_SECRET_CHARS} characters`);
  return configProblem(type, settings.config) ?? secretsProblem(type, settings.secrets, rules);
}

/**
 * The secrets after a change: the ones named replace the stored ones, `null` removes one; a value
 * that is not a string is kept for the check to refuse.
 */
export function mergeSecrets(
  current: Record<string, string>,
  changes: Record<string, unknown> | undefined,
): Record<string, string> {
  if (!changes) return current;
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next as Record<string, string>;
}

/** Where the providers send a channel's messages, from its checked settings. */
export function targetOf(type: ChannelType, settings: ChannelSettings): ChannelTarget {
  switch (type) {
    case 'slack':
      return {
        kind: 'slack',
        botToken: settings.secrets['botToken']!,
        channelId: String(settings.config['channelId']),
      };
    case 'slack-webhook':
      return { kind: 'slack-webhook', webhookUrl: settings.secrets['webhookUrl']! };
    case 'email':
      return {
        kind: 'email',
        to: settings.config['to'] as string[],
        ...(settings.secrets['smtpUrl'] !== undefined && { smtpUrl: settings.secrets['smtpUrl'] }),
        ...(typeof settings.config['from'] === 'string' && { from: settings.config['from'] }),
      };
  }
}
