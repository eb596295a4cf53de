import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Mustache from 'mustache';
import { escapeMrkdwn } from './text.js';

export const TEMPLATE_NAMES = [
  'slack-title.mustache',
  'slack-body.mustache',
  'slack-reply.mustache',
  'slack-item.mustache',
  'email-subject.mustache',
  'email-text.mustache',
  'email-html.mustache',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** How a template's `{{value}}` is escaped: HTML for email bodies, Slack mrkdwn, or not at all (plain text). */
export type Escaping = 'html' | 'mrkdwn' | 'plain';

const ESCAPES: Record<Escaping, (value: string) => string> = {
  html: Mustache.escape,
  mrkdwn: (value) => escapeMrkdwn(String(value)),
  plain: (value) => String(value),
};

/** Tenant ids name a directory: anything but a plain id falls back to the default templates. */
const DIRECTORY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Message templates (Mustache, logic-less) in files: `<templatesDir>/<tenantId>/<name>`, else
 * `<templatesDir>/default/<name>`, else the file shipped in apps/notification/templates/default. Each file
 * is read once per process.
 */
export class TemplateStore {
  private readonly cache = new Map<string, string | null>();
  private readonly shipped: string;

  constructor(private readonly templatesDir?: string) {
    this.shipped = shippedTemplatesDir();
  }

  render(tenantId: string, name: TemplateName, view: object, escaping: Escaping): string {
    return Mustache.render(this.template(tenantId, name), view, undefined, { escape: ESCAPES[escaping] });
  }

  /** The template text that applies to a tenant. */
  template(tenantId: string, name: TemplateName): string {
    const candidates: string[] = [];
    if (this.templatesDir) {
      if (DIRECTORY_NAME.test(tenantId)) candidates.push(path.join(this.templatesDir, tenantId, name));
      candidates.push(path.join(this.templatesDir, 'default', name));
    }
    candidates.push(path.join(this.shipped, 'default', name));
    for (const file of candidates) {
      const text = this.read(file);
      if (text !== null) return text;
    }
    throw new Error(`notification template ${name} not found (looked in ${candidates.join(', ')})`);
  }

  private read(file: string): string | null {
    if (this.cache.has(file)) return this.cache.get(file)!;
    let text: string | null;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      text = null;
    }
    this.cache.set(file, text);
    return text;
  }
}

/**
 * apps/notification/templates under the repository root, found upward from this module, so it resolves
 * the same from src/ under Jest and from dist/ under node.
 */
export function shippedTemplatesDir(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'vigil') return path.join(dir, 'apps', 'notification', 'templates');
    } catch {
      // no root manifest here: keep walking up
    }
    if (path.dirname(dir) === dir) return path.resolve(start, '../../templates');
  }
}
