// A reader of the Kustomize features k8s/ uses, so the specs can render the overlays without
// kubectl or a kustomize binary (docs/dependencies.md says why no package does this here). It
// renders what `kubectl kustomize <dir>` renders for these features, in kustomize's order:
//
//   resources (files and kustomization directories), components (kind: Component, applied to what
//   has been accumulated so far), configMapGenerator / secretGenerator (literals and files, with
//   generatorOptions.disableNameSuffixHash: true), patches (JSON 6902 operation lists, and
//   `$patch: delete` documents), namespace, labels (pairs, includeTemplates), images (newName,
//   newTag, digest) and replicas.
//
// Anything else in a kustomization.yaml is refused with an error naming it, so a manifest never
// relies on a feature this reader would silently skip. Like kustomize's default load restrictor,
// a file (resource, patch, generator input) must lie in or below its kustomization's directory;
// only kustomization directories (resources, components) may be elsewhere. Where kustomize would
// quietly do nothing — a patch or a replicas entry that matches no object — this reader fails.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { dict, isDict, stringList, type Dict } from './deploy-files.js';

const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'components',
  'namespace',
  'labels',
  'images',
  'patches',
  'replicas',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
]);
const GENERATOR_FIELDS = new Set(['name', 'literals', 'files', 'type']);
const PATCH_FIELDS = new Set(['path', 'patch', 'target']);
const TARGET_FIELDS = new Set(['group', 'version', 'kind', 'name', 'namespace', 'labelSelector']);

/** Kinds without a namespace (among those a Vigil manifest could hold). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
]);

/** Kinds whose spec.template is a pod template. */
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const SCALABLE_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

export interface RenderOptions {
  /** Components (directories) to add after the kustomization's own, as an overlay listing them would. */
  components?: string[];
}

/** The documents `kubectl kustomize dir` prints, in the order they were accumulated. */
export function renderKustomization(dir: string, options: RenderOptions = {}): Dict[] {
  return build(path.resolve(dir), 'Kustomization', [], options.components ?? []);
}

function loadKustomization(dir: string): Dict {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].find((f) => existsSync(path.join(dir, f)));
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const k = dict(parse(readFileSync(path.join(dir, file), 'utf8')), `${dir}/${file}`);
  const unknown = Object.keys(k).filter((key) => !KUSTOMIZATION_FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/${file}: fields this reader does not render: ${unknown.join(', ')}`);
  return k;
}

/** A file a kustomization reads: in or below its directory (kustomize's LoadRestrictionsRootOnly). */
function fileIn(dir: string, rel: string): string {
  const at = path.resolve(dir, rel);
  const back = path.relative(dir, at);
  if (back.startsWith('..') || path.isAbsolute(back))
    throw new Error(`${dir}: ${rel} is outside the kustomization's directory (kustomize refuses it)`);
  return at;
}

function build(dir: string, kind: 'Kustomization' | 'Component', input: Dict[], extraComponents: string[]): Dict[] {
  const k = loadKustomization(dir);
  const declared = String(k.kind ?? 'Kustomization');
  if (declared !== kind) throw new Error(`${dir}: kind ${declared} where a ${kind} was expected`);

  // A component works on what its parent accumulated; a kustomization starts from nothing.
  let docs: Dict[] = kind === 'Component' ? input : [];
  for (const entry of stringList(k.resources ?? [], `${dir} resources`)) {
    const at = path.resolve(dir, entry);
    if (existsSync(at) && statSync(at).isDirectory()) docs = add(docs, build(at, 'Kustomization', [], []));
    else docs = add(docs, readDocuments(fileIn(dir, entry)));
  }
  for (const entry of [...stringList(k.components ?? [], `${dir} components`), ...extraComponents])
    docs = build(path.resolve(dir, entry), 'Component', docs, []);

  docs = add(docs, generate(dir, k));
  for (const [i, patch] of (Array.isArray(k.patches) ? k.patches : []).entries())
    docs = applyPatch(dir, dict(patch, `${dir} patches[${i}]`), docs);
  if (k.namespace !== undefined) setNamespace(docs, String(k.namespace));
  for (const [i, entry] of (Array.isArray(k.labels) ? k.labels : []).entries())
    addLabels(docs, dict(entry, `${dir} labels[${i}]`));
  for (const [i, entry] of (Array.isArray(k.images) ? k.images : []).entries())
    setImages(docs, dict(entry, `${dir} images[${i}]`));
  for (const [i, entry] of (Array.isArray(k.replicas) ? k.replicas : []).entries())
    setReplicas(docs, dict(entry, `${dir} replicas[${i}]`));
  return docs;
}

function readDocuments(file: string): Dict[] {
  const docs: Dict[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    docs.push(dict(value, file));
  }
  return docs;
}

export function idOf(doc: Dict): string {
  const meta = isDict(doc.metadata) ? doc.metadata : {};
  return `${String(doc.kind)}/${String(meta.namespace ?? '')}/${String(meta.name)}`;
}

/** Adds documents, refusing one whose kind, namespace and name are already there (as kustomize does). */
function add(docs: Dict[], more: Dict[]): Dict[] {
  const ids = new Set(docs.map(idOf));
  for (const doc of more) {
    if (ids.has(idOf(doc))) throw new Error(`may not add resource with an already registered id: ${idOf(doc)}`);
    ids.add(idOf(doc));
  }
  return [...docs, ...more];
}

function metadataOf(doc: Dict): Dict {
  if (!isDict(doc.metadata)) doc.metadata = {};
  return doc.metadata as Dict;
}

// ------------------------------------------------------------------------------------------------
// Generators

function generate(dir: string, k: Dict): Dict[] {
  const options = k.generatorOptions === undefined ? {} : dict(k.generatorOptions, `${dir} generatorOptions`);
  const out: Dict[] = [];
  const generators: [string, 'ConfigMap' | 'Secret'][] = [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ];
  for (const [field, kind] of generators) {
    for (const [i, raw] of (Array.isArray(k[field]) ? (k[field] as unknown[]) : []).entries()) {
      const g = dict(raw, `${dir} ${field}[${i}]`);
      const unknown = Object.keys(g).filter((key) => !GENERATOR_FIELDS.has(key));
      if (unknown.length > 0) throw new Error(`${dir} ${field}[${i}]: fields this reader does not render: ${unknown}`);
      // With a hash suffix, kustomize renames the object and every reference to it: not read here.
      if (options.disableNameSuffixHash !== true)
        throw new Error(`${dir}: generators need generatorOptions.disableNameSuffixHash: true for this reader`);
      const data: Record<string, string> = {};
      for (const literal of stringList(g.literals ?? [], `${field}[${i}].literals`)) {
        const at = literal.indexOf('=');
        data[literal.slice(0, at)] = literal.slice(at + 1);
      }
      for (const entry of stringList(g.files ?? [], `${field}[${i}].files`)) {
        const at = entry.indexOf('=');
        const [key, rel] = at < 0 ? [path.basename(entry), entry] : [entry.slice(0, at), entry.slice(at + 1)];
        data[key] = readFileSync(fileIn(dir, rel), 'utf8');
      }
      const doc: Dict = { apiVersion: 'v1', kind, metadata: { name: String(g.name) } };
      if (kind === 'Secret') {
        doc.type = String(g.type ?? 'Opaque');
        doc.data = Object.fromEntries(Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString('base64')]));
      } else {
        doc.data = data;
      }
      out.push(doc);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Patches

function matches(doc: Dict, target: Dict): boolean {
  const meta = metadataOf(doc);
  const [group, version] = String(doc.apiVersion).includes('/')
    ? String(doc.apiVersion).split('/')
    : ['', String(doc.apiVersion)];
  const anchored = (pattern: unknown, value: unknown) =>
    pattern === undefined || new RegExp(`^(?:${String(pattern)})$`).test(String(value ?? ''));
  if (!anchored(target.kind, doc.kind) || !anchored(target.name, meta.name)) return false;
  if (!anchored(target.namespace, meta.namespace) || !anchored(target.group, group)) return false;
  if (!anchored(target.version, version)) return false;
  if (target.labelSelector !== undefined) {
    const labels = isDict(meta.labels) ? meta.labels : {};
    for (const term of String(target.labelSelector).split(',')) {
      const [key, value] = term.split('=').map((s) => s.trim());
      if (value === undefined ? !(key in labels) : labels[key] !== value) return false;
    }
  }
  return true;
}

function applyPatch(dir: string, entry: Dict, docs: Dict[]): Dict[] {
  const unknown = Object.keys(entry).filter((key) => !PATCH_FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${dir} patches: fields this reader does not render: ${unknown}`);
  const text = entry.path !== undefined ? readFileSync(fileIn(dir, String(entry.path)), 'utf8') : String(entry.patch);
  const body: unknown = parse(text);
  let target = entry.target === undefined ? undefined : dict(entry.target, `${dir} patch target`);
  if (target) {
    const unknownTarget = Object.keys(target).filter((key) => !TARGET_FIELDS.has(key));
    if (unknownTarget.length > 0) throw new Error(`${dir} patch target: fields not read: ${unknownTarget}`);
  }

  if (Array.isArray(body)) {
    if (!target) throw new Error(`${dir}: a JSON 6902 patch needs a target`);
    const hit = docs.filter((d) => matches(d, target!));
    if (hit.length === 0) throw new Error(`${dir}: patch target ${JSON.stringify(target)} matches nothing`);
    for (const doc of hit) jsonPatch(doc, body, `${dir} patch on ${idOf(doc)}`);
    return docs;
  }
  const patch = dict(body, `${dir} patch`);
  if (patch.$patch !== 'delete')
    throw new Error(`${dir}: strategic merge patches other than "$patch: delete" are not rendered by this reader`);
  const meta = dict(patch.metadata, `${dir} patch metadata`);
  target ??= { kind: patch.kind, name: meta.name };
  // The document names what it deletes; a target narrows which of the named ones.
  const named = { kind: patch.kind, name: meta.name };
  const gone = docs.filter((d) => matches(d, target!) && matches(d, named));
  if (gone.length === 0) throw new Error(`${dir}: delete patch ${JSON.stringify(named)} matches nothing`);
  return docs.filter((d) => !gone.includes(d));
}

function pointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new Error(`JSON pointer "${p}" must start with /`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 add, remove and replace on `doc`, in place. */
function jsonPatch(doc: Dict, ops: unknown[], what: string): void {
  for (const raw of ops) {
    const op = dict(raw, what);
    const keys = pointer(String(op.path));
    const last = keys.pop();
    if (last === undefined) throw new Error(`${what}: cannot ${String(op.op)} the whole document`);
    let parent: unknown = doc;
    for (const key of keys) {
      parent = Array.isArray(parent) ? parent[Number(key)] : isDict(parent) ? parent[key] : undefined;
      if (parent === undefined) throw new Error(`${what}: ${String(op.path)} does not exist`);
    }
    const value: unknown = structuredClone(op.value);
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new Error(`${what}: ${String(op.path)} is out of range`);
      if (op.op === 'add') parent.splice(index, 0, value);
      else if (op.op === 'replace' && index < parent.length) parent[index] = value;
      else if (op.op === 'remove' && index < parent.length) parent.splice(index, 1);
      else throw new Error(`${what}: cannot ${String(op.op)} ${String(op.path)}`);
    } else if (isDict(parent)) {
      if (op.op === 'add') parent[last] = value;
      else if ((op.op === 'replace' || op.op === 'remove') && last in parent) {
        if (op.op === 'replace') parent[last] = value;
        else delete parent[last];
      } else throw new Error(`${what}: cannot ${String(op.op)} ${String(op.path)} (no such field)`);
    } else throw new Error(`${what}: ${String(op.path)} has no parent object`);
  }
}

// ------------------------------------------------------------------------------------------------
// Transformers

function setNamespace(docs: Dict[], namespace: string): void {
  for (const doc of docs) if (!CLUSTER_SCOPED.has(String(doc.kind))) metadataOf(doc).namespace = namespace;
}

function podTemplatesOf(doc: Dict): Dict[] {
  if (!POD_TEMPLATE_KINDS.has(String(doc.kind)) || !isDict(doc.spec) || !isDict(doc.spec.template)) return [];
  return [doc.spec.template];
}

function claimTemplatesOf(doc: Dict): Dict[] {
  if (doc.kind !== 'StatefulSet' || !isDict(doc.spec) || !Array.isArray(doc.spec.volumeClaimTemplates)) return [];
  return doc.spec.volumeClaimTemplates.filter(isDict);
}

function addLabels(docs: Dict[], entry: Dict): void {
  if (entry.includeSelectors === true)
    throw new Error('labels with includeSelectors: true are not rendered by this reader');
  const pairs = Object.entries(dict(entry.pairs, 'labels pairs')).map(([k, v]) => [k, String(v)] as const);
  for (const doc of docs) {
    const targets = [
      doc,
      ...(entry.includeTemplates === true ? [...podTemplatesOf(doc), ...claimTemplatesOf(doc)] : []),
    ];
    for (const target of targets) {
      const meta = metadataOf(target);
      meta.labels = { ...(isDict(meta.labels) ? meta.labels : {}), ...Object.fromEntries(pairs) };
    }
  }
}

/** Splits "registry/name:tag@digest" into its name and what follows it. */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [rest, digest] = image.split('@');
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  return colon > slash
    ? { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest }
    : { name: rest, tag: undefined, digest };
}

export function containersOf(doc: Dict): Dict[] {
  return podTemplatesOf(doc).flatMap((template) => {
    const spec = isDict(template.spec) ? template.spec : {};
    return [
      ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
      ...(Array.isArray(spec.containers) ? spec.containers : []),
    ].filter(isDict);
  });
}

function setImages(docs: Dict[], entry: Dict): void {
  for (const container of docs.flatMap(containersOf)) {
    const current = splitImage(String(container.image));
    if (current.name !== entry.name) continue;
    const name = entry.newName === undefined ? current.name : String(entry.newName);
    if (entry.digest !== undefined) container.image = `${name}@${String(entry.digest)}`;
    else {
      const tag = entry.newTag === undefined ? current.tag : String(entry.newTag);
      container.image = `${name}${tag === undefined ? '' : `:${tag}`}${current.digest ? `@${current.digest}` : ''}`;
    }
  }
}

function setReplicas(docs: Dict[], entry: Dict): void {
  const hit = docs.filter((d) => SCALABLE_KINDS.has(String(d.kind)) && metadataOf(d).name === entry.name);
  if (hit.length === 0) throw new Error(`replicas: no Deployment or StatefulSet named ${String(entry.name)}`);
  for (const doc of hit) dict(doc.spec, `${idOf(doc)} spec`).replicas = Number(entry.count);
}
