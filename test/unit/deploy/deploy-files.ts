// Readers for the deployment files (Dockerfile, docker-compose.yml, .dockerignore) used by the
// specs beside this file. No Docker engine is needed: the files are parsed and checked as text.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

export function readRepoFile(rel: string): string {
  return readFileSync(path.join(repoRoot, rel), 'utf8');
}

/** The six services, the port each listens on and the variable that sets it. */
export interface AppSpec {
  name: string;
  port: number;
  portVar: 'PORT' | 'HEALTH_PORT';
  hasDatabase: boolean;
}

export const APPS: readonly AppSpec[] = [
  { name: 'gateway', port: 3000, portVar: 'PORT', hasDatabase: false },
  { name: 'user', port: 3001, portVar: 'HEALTH_PORT', hasDatabase: true },
  { name: 'alert', port: 3002, portVar: 'HEALTH_PORT', hasDatabase: true },
  { name: 'agent-runner', port: 3003, portVar: 'HEALTH_PORT', hasDatabase: true },
  { name: 'history', port: 3004, portVar: 'HEALTH_PORT', hasDatabase: true },
  { name: 'notification', port: 3005, portVar: 'HEALTH_PORT', hasDatabase: true },
];

// ------------------------------------------------------------------------------------------------
// Plain-data helpers (the YAML is `unknown` until narrowed).

export type Dict = Record<string, unknown>;

export function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function dict(value: unknown, what: string): Dict {
  if (!isDict(value)) throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`);
  return value;
}

export function stringList(value: unknown, what: string): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error(`${what}: expected a list of strings, got ${JSON.stringify(value)}`);
  return value;
}

// ------------------------------------------------------------------------------------------------
// docker-compose.yml

/**
 * Compose's variable interpolation, resolved with the file's own defaults only (the environment
 * of whoever runs the test must not change what is checked). `unresolved` collects variables
 * that have no default: `docker compose up` without an .env file would see them empty.
 */
export function interpolate(value: unknown, unresolved: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
        if (whole === '$$') return '$';
        const name = braced ?? bare!;
        if (op === ':-' || op === '-') return arg ?? '';
        if (op === ':+' || op === '+') return '';
        unresolved.add(name);
        return '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, unresolved));
  if (isDict(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, unresolved)]));
  return value;
}

export interface ComposeFile {
  /** The file with YAML anchors and merge keys resolved, before interpolation. */
  raw: Dict;
  /** The same, interpolated with the file's defaults. */
  resolved: Dict;
  services: Record<string, Dict>;
  unresolved: Set<string>;
}

export function loadCompose(text = readRepoFile('docker-compose.yml')): ComposeFile {
  const raw = dict(parse(text, { merge: true }), 'docker-compose.yml');
  const unresolved = new Set<string>();
  const resolved = dict(interpolate(raw, unresolved), 'docker-compose.yml');
  const services = Object.fromEntries(
    Object.entries(dict(resolved.services, 'services')).map(([name, s]) => [name, dict(s, `services.${name}`)]),
  );
  return { raw, resolved, services, unresolved };
}

/** `environment:` as a map, whether written as a map or as a list of NAME=value. */
export function environmentOf(service: Dict): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      stringList(env, 'environment').map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(dict(env, 'environment')).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** `depends_on:` as service -> condition (the short list form means service_started). */
export function dependenciesOf(service: Dict): Record<string, string> {
  const deps = service.depends_on;
  if (deps === undefined) return {};
  if (Array.isArray(deps)) return Object.fromEntries(stringList(deps, 'depends_on').map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(dict(deps, 'depends_on')).map(([k, v]) => [
      k,
      String(dict(v, `depends_on.${k}`).condition ?? 'service_started'),
    ]),
  );
}

export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: string;
}

/** Host ports a service publishes, from the short ("[ip:]host:container[/proto]") or long syntax. */
export function publishedPortsOf(service: Dict): PublishedPort[] {
  const ports = service.ports;
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) throw new Error(`ports: expected a list, got ${JSON.stringify(ports)}`);
  const out: PublishedPort[] = [];
  for (const entry of ports) {
    if (isDict(entry)) {
      if (entry.published === undefined) continue;
      out.push({
        hostIp: String(entry.host_ip ?? ''),
        hostPort: Number(entry.published),
        containerPort: Number(entry.target),
        protocol: String(entry.protocol ?? 'tcp'),
      });
      continue;
    }
    const text = String(entry);
    const [spec, protocol = 'tcp'] = text.split('/');
    const parts = spec.split(':');
    if (parts.length === 1) continue; // container port only: Docker picks an ephemeral host port
    const containerPort = Number(parts.pop());
    const hostPort = Number(parts.pop());
    out.push({ hostIp: parts.join(':'), hostPort, containerPort, protocol });
  }
  return out;
}

/** Named volumes a service mounts (bind mounts — paths — are not named volumes). */
export function namedVolumesOf(service: Dict): string[] {
  const volumes = service.volumes;
  if (volumes === undefined) return [];
  if (!Array.isArray(volumes)) throw new Error(`volumes: expected a list, got ${JSON.stringify(volumes)}`);
  const names: string[] = [];
  for (const entry of volumes) {
    if (isDict(entry)) {
      if ((entry.type ?? 'volume') === 'volume' && typeof entry.source === 'string') names.push(entry.source);
      continue;
    }
    const [source, target] = String(entry).split(':');
    if (target === undefined) continue; // anonymous volume
    if (/^[./~]/.test(source) || source.includes('/')) continue; // bind mount
    names.push(source);
  }
  return names;
}

// ------------------------------------------------------------------------------------------------
// Dockerfile

export interface Heredoc {
  delimiter: string;
  body: string;
}

export interface Instruction {
  keyword: string;
  /** Arguments, with line continuations joined. */
  args: string;
  line: number;
  heredocs: Heredoc[];
}

export interface Stage {
  /** Image or stage the stage starts from, as written (may contain ${ARG}). */
  from: string;
  name?: string;
  index: number;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** `# syntax=` parser directive, if any. */
  syntax?: string;
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

export function parseDockerfile(text = readRepoFile('Dockerfile')): Dockerfile {
  const lines = text.split('\n');
  const syntax = /^#\s*syntax\s*=\s*(\S+)/.exec(lines[0] ?? '')?.[1];
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i];
    if (/^\s*(#|$)/.test(first)) continue;
    const line = i + 1;
    let logical = first;
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i])) continue; // comment lines inside a continuation are dropped
      logical = logical.replace(/\\\s*$/, ' ') + lines[i].trim();
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(logical);
    if (!match) throw new Error(`Dockerfile:${line}: cannot parse "${logical}"`);
    const heredocs: Heredoc[] = [];
    for (const m of match[2].matchAll(/<<-?(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/g)) {
      const delimiter = m[2];
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]);
      if (i >= lines.length) throw new Error(`Dockerfile:${line}: heredoc ${delimiter} never ends`);
      heredocs.push({ delimiter, body: `${body.join('\n')}\n` });
    }
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line, heredocs });
  }

  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const asAt = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        from: words[0],
        name: asAt >= 0 ? words[asAt + 1] : undefined,
        index: stages.length,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`Dockerfile:${ins.line}: only ARG may come before the first FROM`);
      const [name, def] = splitAssignment(ins.args);
      globalArgs[name] = def;
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { syntax, globalArgs, stages };
}

function splitAssignment(text: string): [string, string | undefined] {
  const at = text.indexOf('=');
  return at < 0 ? [text.trim(), undefined] : [text.slice(0, at).trim(), unquote(text.slice(at + 1).trim())];
}

function unquote(text: string): string {
  return /^(["']).*\1$/.test(text) ? text.slice(1, -1) : text;
}

/** `ENV A=1 B=2` (or the legacy `ENV A 1`) as a map. */
export function envAssignments(ins: Instruction): Record<string, string> {
  if (!ins.args.includes('=')) {
    const [name, ...rest] = ins.args.split(/\s+/);
    return { [name]: rest.join(' ') };
  }
  const out: Record<string, string> = {};
  for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)) out[m[1]] = unquote(m[2]);
  return out;
}

/** Replaces ${NAME} / $NAME from `vars`; unknown names are left as written. */
export function substitute(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, a?: string, b?: string) => vars[a ?? b!] ?? whole,
  );
}

/** Exec-form arguments (`["a", "b"]`) of CMD/ENTRYPOINT/HEALTHCHECK CMD, or undefined for shell form. */
export function execForm(text: string): string[] | undefined {
  const start = text.indexOf('[');
  if (start < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(text.slice(start));
    return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The chain of stages an image is built from, for a given set of build args: the stage itself,
 * then the stage it starts FROM, and so on until a stage that starts from an image.
 */
export function stageChain(file: Dockerfile, stage: Stage, args: Record<string, string | undefined>): Stage[] {
  const chain: Stage[] = [stage];
  for (;;) {
    const current = chain[chain.length - 1];
    const from = substitute(current.from, { ...file.globalArgs, ...args });
    const parent = file.stages.find((s) => s.name === from && s.index < current.index);
    if (!parent) return chain;
    chain.push(parent);
  }
}

/** The base image (after ARG substitution) that a chain of stages ends on. */
export function baseImageOf(file: Dockerfile, chain: Stage[], args: Record<string, string | undefined> = {}): string {
  return substitute(chain[chain.length - 1].from, { ...file.globalArgs, ...args });
}

/** Instructions of a chain in build order (base stage first). */
export function chainInstructions(chain: Stage[]): Instruction[] {
  return [...chain].reverse().flatMap((s) => s.instructions);
}

/** The environment an image's processes start with: ENV along the chain, later wins. */
export function imageEnv(chain: Stage[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of chainInstructions(chain)) if (ins.keyword === 'ENV') Object.assign(env, envAssignments(ins));
  return env;
}

/** A .dockerignore pattern as a regular expression over context-relative paths. */
export function ignorePatternRegExp(pattern: string): RegExp {
  let source = '';
  const p = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*' && p[i + 1] === '*') {
      source += p[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += p[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern matching a directory excludes everything under it.
  return new RegExp(`^${source}(?:/.*)?$`);
}

/** Whether .dockerignore keeps `rel` out of the build context (last matching rule wins). */
export function isIgnored(rel: string, dockerignore: string): boolean {
  let ignored = false;
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (ignorePatternRegExp(negated ? line.slice(1) : line).test(rel)) ignored = !negated;
  }
  return ignored;
}
