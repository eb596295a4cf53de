// The Kubernetes manifests (k8s/, docs/deploy.md), checked without a cluster: each overlay is
// rendered as `kubectl kustomize` renders it (./kustomize.ts), every document is checked against
// the Kubernetes and KEDA schemas (./kube-schemas.ts), and then against what the apps really need:
// the environment each service's own configuration class accepts, the paths and ports they serve,
// the database logins of docs/operations.md and the queues the bus declares.
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CommonConfig, envVarsOf, loadConfig, loadServiceConfig, type ConfigClass } from '@vigil/config';
import { TopologyNames } from '@vigil/messaging';
import { HealthController } from '../../../libs/runtime/src/health.controller.js';
import { SHARED_KEY_FILES, writeSharedKeys } from '../../../apps/standalone/src/keys/shared-keys.js';
import { ALL_SERVICES } from '../../../apps/standalone/src/services.js';
import {
  APPS,
  dict,
  environmentOf,
  imageEnv,
  isDict,
  loadCompose,
  parseDockerfile,
  readRepoFile,
  repoRoot,
  stageChain,
  stringList,
  type AppSpec,
  type Dict,
} from './deploy-files.js';
import { schemaErrors, unknownFieldErrors } from './kube-schemas.js';
import { containersOf, idOf, renderKustomization, splitImage } from './kustomize.js';

// ------------------------------------------------------------------------------------------------
// What is rendered

interface Overlay {
  name: string;
  dir: string;
  components?: string[];
  /** RabbitMQ and PostgreSQL run inside the overlay. */
  infra: boolean;
}

const OVERLAYS: Overlay[] = [
  { name: 'dev', dir: 'k8s/overlays/dev', infra: true },
  { name: 'prod', dir: 'k8s/overlays/prod', infra: false },
  {
    name: 'prod with the KEDA component',
    dir: 'k8s/overlays/prod',
    components: ['../../components/keda'],
    infra: false,
  },
];
const KEDA_SCALED = ['alert', 'agent-runner', 'notification'];
const HPA_SCALED = ['gateway', ...KEDA_SCALED];
const keda = (o: Overlay) => (o.components ?? []).some((c) => c.endsWith('keda'));

const rendered = new Map<Overlay, Dict[]>();
function docsOf(overlay: Overlay): Dict[] {
  if (!rendered.has(overlay))
    rendered.set(
      overlay,
      renderKustomization(path.join(repoRoot, overlay.dir), { components: overlay.components ?? [] }),
    );
  return rendered.get(overlay)!;
}

/** The Secrets an operator creates from k8s/secrets/ (not part of any overlay). */
const SECRET_TEMPLATES = parseAllDocuments(readRepoFile('k8s/secrets/secrets.example.yaml'))
  .map((d) => d.toJS() as unknown)
  .filter(isDict);

const meta = (doc: Dict): Dict => dict(doc.metadata, `${String(doc.kind)} metadata`);
const nameOf = (doc: Dict): string => String(meta(doc).name);
const labelsOf = (doc: Dict): Record<string, string> =>
  (isDict(meta(doc).labels) ? meta(doc).labels : {}) as Record<string, string>;

function find(docs: Dict[], kind: string, name: string): Dict | undefined {
  return docs.find((d) => d.kind === kind && nameOf(d) === name);
}

function get(docs: Dict[], kind: string, name: string): Dict {
  const doc = find(docs, kind, name);
  if (!doc) throw new Error(`no ${kind} ${name}`);
  return doc;
}

function podSpecOf(doc: Dict): Dict {
  return dict(dict(dict(doc.spec, 'spec').template, 'template').spec, 'pod spec');
}

function podLabelsOf(doc: Dict): Record<string, string> {
  return dict(dict(dict(doc.spec, 'spec').template, 'template').metadata, 'template metadata').labels as Record<
    string,
    string
  >;
}

function selects(selector: unknown, labels: Record<string, string>): boolean {
  const s = dict(selector, 'selector');
  const matchLabels = (isDict(s.matchLabels) ? s.matchLabels : {}) as Record<string, string>;
  if (Array.isArray(s.matchExpressions) && s.matchExpressions.length > 0)
    throw new Error('matchExpressions are not checked here');
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

/** Secret data as text, whether written as stringData or base64 data. */
function secretData(secret: Dict): Record<string, string> {
  return {
    ...Object.fromEntries(
      Object.entries(isDict(secret.data) ? secret.data : {}).map(([k, v]) => [
        k,
        Buffer.from(String(v), 'base64').toString(),
      ]),
    ),
    ...((isDict(secret.stringData) ? secret.stringData : {}) as Record<string, string>),
  };
}

/** The Secret a pod would read: the overlay's own if it renders one, else the operator's template. */
function secretFor(docs: Dict[], name: string): Dict | undefined {
  return find(docs, 'Secret', name) ?? SECRET_TEMPLATES.find((s) => nameOf(s) === name);
}

// ------------------------------------------------------------------------------------------------
// A container's environment, as the kubelet would give it

/** Where the keys would be mounted: the generated files of a scratch directory stand for the Secret vigil-keys. */
const scratchKeys = mkdtempSync(path.join(tmpdir(), 'vigil-k8s-keys-'));
writeSharedKeys(scratchKeys);

interface ResolvedEnv {
  env: Record<string, string>;
  /** Variable -> the Secret key it comes from (`vigil-secrets/DATABASE_URL`). */
  fromSecret: Record<string, string>;
  problems: string[];
}

/** The environment the Vigil image starts its processes with (Dockerfile ENV), under the pod's. */
const IMAGE_ENV = (() => {
  const dockerfile = parseDockerfile();
  return imageEnv(stageChain(dockerfile, dockerfile.stages[dockerfile.stages.length - 1]!, {}));
})();

function resolveEnv(docs: Dict[], workload: Dict, container: Dict): ResolvedEnv {
  const vigilImage = /(^|\/)vigil\/vigil$/.test(splitImage(String(container.image)).name);
  const env: Record<string, string> = vigilImage ? { ...IMAGE_ENV } : {};
  const fromSecret: Record<string, string> = {};
  const problems: string[] = [];
  for (const source of Array.isArray(container.envFrom) ? container.envFrom.filter(isDict) : []) {
    if (isDict(source.configMapRef)) {
      const cm = find(docs, 'ConfigMap', String(source.configMapRef.name));
      if (!cm) problems.push(`envFrom ConfigMap ${String(source.configMapRef.name)} is not rendered`);
      else Object.assign(env, cm.data ?? {});
    } else if (isDict(source.secretRef)) {
      const secret = secretFor(docs, String(source.secretRef.name));
      if (!secret) problems.push(`envFrom Secret ${String(source.secretRef.name)} does not exist`);
      else Object.assign(env, secretData(secret));
    }
  }
  const mounts = Array.isArray(container.volumeMounts) ? container.volumeMounts.filter(isDict) : [];
  const volumes = Array.isArray(podSpecOf(workload).volumes) ? (podSpecOf(workload).volumes as Dict[]) : [];
  for (const entry of Array.isArray(container.env) ? container.env.filter(isDict) : []) {
    const name = String(entry.name);
    if (entry.value !== undefined) env[name] = String(entry.value);
    else if (isDict(entry.valueFrom) && isDict(entry.valueFrom.secretKeyRef)) {
      const ref = entry.valueFrom.secretKeyRef;
      const secret = secretFor(docs, String(ref.name));
      const value = secret ? secretData(secret)[String(ref.key)] : undefined;
      if (value !== undefined) {
        env[name] = value;
        fromSecret[name] = `${String(ref.name)}/${String(ref.key)}`;
      } else if (ref.optional !== true)
        problems.push(`${name}: Secret ${String(ref.name)} has no key ${String(ref.key)}`);
    } else if (isDict(entry.valueFrom) && isDict(entry.valueFrom.configMapKeyRef)) {
      const ref = entry.valueFrom.configMapKeyRef;
      const value = (find(docs, 'ConfigMap', String(ref.name))?.data as Dict | undefined)?.[String(ref.key)];
      if (value !== undefined) env[name] = String(value);
      else if (ref.optional !== true)
        problems.push(`${name}: ConfigMap ${String(ref.name)} has no key ${String(ref.key)}`);
    } else problems.push(`${name}: a value source this test does not read`);
  }
  // A *_FILE variable must name a file of a mounted Secret: the keys file of the same name stands for it.
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith('_FILE')) continue;
    const mount = mounts.find((m) => value.startsWith(`${String(m.mountPath)}/`));
    const volume = mount && volumes.find((v) => v.name === mount.name);
    const file = mount ? path.relative(String(mount.mountPath), value) : '';
    const secret = volume && isDict(volume.secret) ? volume.secret : undefined;
    const items = secret && Array.isArray(secret.items) ? (secret.items as Dict[]) : [];
    const item = items.find((i) => i.path === file);
    const template = secret && secretFor(docs, String(secret.secretName));
    if (!item || !template || !(String(item.key) in secretData(template)))
      problems.push(`${name}=${value} is not a file of a mounted Secret's key`);
    else env[name] = path.join(scratchKeys, String(item.key));
  }
  return { env, fromSecret, problems };
}

/** Loads a service's configuration as its process would; throws what it refuses. */
function configOf(app: string, env: Record<string, string>): CommonConfig {
  const common = loadConfig(CommonConfig, env);
  const definition = ALL_SERVICES.find((d) => d.service === app);
  if (!definition) throw new Error(`no service ${app}`);
  return definition.config ? loadServiceConfig(definition.config, common, env) : common;
}

/** The port an app listens on (libs/runtime run.ts): the gateway on PORT, every other on its health port. */
function listeningPort(app: AppSpec, config: CommonConfig): number {
  return app.name === 'gateway' ? config.PORT : config.healthPortOf(app.name as never);
}

function containerPort(container: Dict, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  const ports = Array.isArray(container.ports) ? container.ports.filter(isDict) : [];
  const named = ports.find((p) => p.name === port);
  return named === undefined ? undefined : Number(named.containerPort);
}

/** The paths HealthController serves (its Nest route metadata). */
const HEALTH_PATHS = (() => {
  const base = String(Reflect.getMetadata(PATH_METADATA, HealthController));
  const method = (name: 'live' | 'ready') =>
    `/${base}/${String(Reflect.getMetadata(PATH_METADATA, HealthController.prototype[name]))}`;
  return { live: method('live'), ready: method('ready') };
})();

/** Kubernetes quantities ("250m", "1", "512Mi") as numbers, to compare requests with limits. */
function quantity(text: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(String(text));
  if (!m) throw new Error(`not a quantity: ${String(text)}`);
  const unit = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

function workloadsOf(docs: Dict[]): Dict[] {
  return docs.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(String(d.kind)));
}

const vigilWorkloads = (docs: Dict[]) =>
  workloadsOf(docs).filter((d) => podLabelsOf(d)['app.kubernetes.io/part-of'] === 'vigil');

// ------------------------------------------------------------------------------------------------

describe.each(OVERLAYS.map((o) => [o.name, o] as const))('k8s overlay %s', (_name, overlay) => {
  it('renders, every object in the overlay namespace', () => {
    const docs = docsOf(overlay);
    const namespaces = docs.filter((d) => d.kind === 'Namespace').map(nameOf);
    expect(namespaces).toHaveLength(1);
    const misplaced = docs.filter((d) => d.kind !== 'Namespace' && meta(d).namespace !== namespaces[0]).map(idOf);
    expect(misplaced).toEqual([]);
    // One instance label on every object and every pod, so `kubectl get all -l` finds the whole release.
    const instances = new Set([
      ...docs.map((d) => labelsOf(d)['app.kubernetes.io/instance']),
      ...workloadsOf(docs).map((d) => podLabelsOf(d)['app.kubernetes.io/instance']),
    ]);
    expect([...instances]).toEqual([expect.stringMatching(/^vigil/)]);
  });

  it('validates against the Kubernetes and KEDA schemas', () => {
    expect(docsOf(overlay).flatMap(schemaErrors)).toEqual([]);
  });

  it.each(APPS.map((a) => [a.name, a] as const))(
    '%s: a Deployment and a Service, labelled and selected alike, running its app on the one image',
    (name) => {
      const docs = docsOf(overlay);
      const deployment = get(docs, 'Deployment', name);
      const labels = podLabelsOf(deployment);
      expect(labels['app.kubernetes.io/name']).toBe(name);
      expect(labels['app.kubernetes.io/part-of']).toBe('vigil');
      expect(selects(dict(deployment.spec, 'spec').selector, labels)).toBe(true);
      // No other Deployment's pods are selected by this one's selector, nor by its Service.
      const service = get(docs, 'Service', name);
      for (const other of docs.filter((d) => d.kind === 'Deployment' && d !== deployment)) {
        expect({
          name,
          other: nameOf(other),
          hit: selects(dict(deployment.spec, 'spec').selector, podLabelsOf(other)),
        }).toEqual({ name, other: nameOf(other), hit: false });
        expect({
          name,
          other: nameOf(other),
          hit: selects({ matchLabels: dict(service.spec, 'spec').selector }, podLabelsOf(other)),
        }).toEqual({ name, other: nameOf(other), hit: false });
      }
      expect(selects({ matchLabels: dict(service.spec, 'spec').selector }, labels)).toBe(true);
      const containers = containersOf(deployment);
      expect(containers.map((c) => c.name)).toEqual([name]);
      expect(splitImage(String(containers[0].image)).name).toMatch(/(^|\/)vigil\/vigil$/);
      // The command chooses the app: the same one docker-compose.yml runs, built from its source.
      expect(containers[0].command).toEqual(['node', `dist/apps/${name}/src/main.js`]);
      expect(containers[0].command).toEqual(stringList(loadCompose().services[name]!.command, `${name}.command`));
      expect(existsSync(path.join(repoRoot, `apps/${name}/src/main.ts`))).toBe(true);
    },
  );

  it('runs one release: the one image, from one registry with one tag, for every service and the migration Job', () => {
    const docs = docsOf(overlay);
    const images = new Set(
      vigilWorkloads(docs)
        .flatMap(containersOf)
        .map((c) => String(c.image)),
    );
    expect(images.size).toBe(1);
    const image = splitImage([...images][0]!);
    expect(image.name).toMatch(/(^|\/)vigil\/vigil$/);
    expect(image.tag ?? image.digest).toBeDefined();
    if (!overlay.infra) expect(image.tag).not.toBe('latest');
    expect(containersOf(get(docs, 'Job', 'vigil-migrate'))[0].image).toBe([...images][0]);
  });

  it.each(APPS.map((a) => [a.name, a] as const))(
    "%s: its environment passes the service's own configuration check",
    (name) => {
      const docs = docsOf(overlay);
      const deployment = get(docs, 'Deployment', name);
      const { env, problems } = resolveEnv(docs, deployment, containersOf(deployment)[0]);
      expect(problems).toEqual([]);
      const config = configOf(name, env);
      expect(config.VIGIL_MODE).toBe('distributed');
    },
  );

  it.each(APPS.map((a) => [a.name, a] as const))(
    '%s: liveness, readiness and start-up probes on the paths and port the app serves',
    (name, app) => {
      const docs = docsOf(overlay);
      const deployment = get(docs, 'Deployment', name);
      const container = containersOf(deployment)[0];
      const port = listeningPort(app, configOf(name, resolveEnv(docs, deployment, container).env));
      expect(port).toBe(app.port);
      const probes = {
        livenessProbe: HEALTH_PATHS.live,
        readinessProbe: HEALTH_PATHS.ready,
        startupProbe: HEALTH_PATHS.live,
      };
      for (const [probe, servedPath] of Object.entries(probes)) {
        const httpGet = dict(dict(container[probe], `${name} ${probe}`).httpGet, `${name} ${probe}.httpGet`);
        expect({ probe, path: httpGet.path, port: containerPort(container, httpGet.port) }).toEqual({
          probe,
          path: servedPath,
          port,
        });
      }
      // The Service reaches the same port.
      const servicePorts = dict(get(docs, 'Service', name).spec, 'spec').ports as Dict[];
      expect(servicePorts.map((p) => containerPort(container, p.targetPort))).toEqual([port]);
      // Set in the manifest rather than left to the image's default (3000, every app's).
      expect(resolveEnv(docs, deployment, container).env[app.portVar]).toBe(String(port));
      expect(containersOf(deployment)[0].env as Dict[]).toEqual(
        expect.arrayContaining([{ name: app.portVar, value: String(port) }]),
      );
    },
  );

  it('runs every Vigil pod as the image user, read-only, unprivileged, with requests and limits', () => {
    const docs = docsOf(overlay);
    const dockerfile = readRepoFile('Dockerfile');
    // The runtime image's user is node: uid 1000 in the official Node.js images.
    expect(dockerfile).toMatch(/^USER node$/m);
    const problems: string[] = [];
    for (const workload of vigilWorkloads(docs)) {
      const pod = podSpecOf(workload);
      const podSecurity = dict(pod.securityContext, `${idOf(workload)} securityContext`);
      if (podSecurity.runAsNonRoot !== true || podSecurity.runAsUser !== 1000)
        problems.push(`${idOf(workload)}: not runAsNonRoot as uid 1000`);
      if (pod.automountServiceAccountToken !== false) problems.push(`${idOf(workload)}: mounts an API token`);
      const volumes = (Array.isArray(pod.volumes) ? pod.volumes : []) as Dict[];
      for (const container of containersOf(workload)) {
        const where = `${idOf(workload)} ${String(container.name)}`;
        const security = dict(container.securityContext, `${where} securityContext`);
        if (security.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem writable`);
        if (security.allowPrivilegeEscalation !== false) problems.push(`${where}: privilege escalation allowed`);
        if (!stringList(dict(security.capabilities, `${where} capabilities`).drop, 'drop').includes('ALL'))
          problems.push(`${where}: capabilities not all dropped`);
        const tmp = (container.volumeMounts as Dict[] | undefined)?.find((m) => m.mountPath === '/tmp');
        if (!tmp || !isDict(volumes.find((v) => v.name === tmp.name)?.emptyDir))
          problems.push(`${where}: no emptyDir on /tmp`);
        const resources = dict(container.resources, `${where} resources`);
        for (const resource of ['cpu', 'memory']) {
          const request = (resources.requests as Dict | undefined)?.[resource];
          const limit = (resources.limits as Dict | undefined)?.[resource];
          if (request === undefined || limit === undefined) problems.push(`${where}: no ${resource} request and limit`);
          else if (quantity(request) > quantity(limit)) problems.push(`${where}: ${resource} request above its limit`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(APPS.map((a) => [a.name, a] as const))(
    '%s: the grace period outlasts the pre-stop pause plus SHUTDOWN_TIMEOUT_MS',
    (name) => {
      const docs = docsOf(overlay);
      const deployment = get(docs, 'Deployment', name);
      const container = containersOf(deployment)[0];
      const config = configOf(name, resolveEnv(docs, deployment, container).env);
      const grace = Number(podSpecOf(deployment).terminationGracePeriodSeconds ?? 30) * 1000;
      const preStop = (container.lifecycle as Dict | undefined)?.preStop as Dict | undefined;
      const command = preStop && isDict(preStop.exec) ? stringList(preStop.exec.command, 'preStop') : [];
      const pause = command[0] === 'sleep' ? Number(command[1]) * 1000 : 0;
      if (preStop) expect(command[0]).toBe('sleep');
      expect(grace).toBeGreaterThan(pause + config.SHUTDOWN_TIMEOUT_MS);
    },
  );

  it('applies in the two steps docs/deploy.md gives: everything but the services first, with the migration Job', () => {
    // Step one is `kubectl apply -k <overlay> -l 'app.kubernetes.io/component!=service'`.
    const docs = docsOf(overlay);
    const firstStep = docs.filter((d) => labelsOf(d)['app.kubernetes.io/component'] !== 'service');
    const ids = firstStep.map(idOf);
    expect(ids).toEqual(
      expect.arrayContaining(
        [
          get(docs, 'Job', 'vigil-migrate'),
          get(docs, 'ConfigMap', 'vigil-config'),
          get(docs, 'ServiceAccount', 'vigil'),
        ].map(idOf),
      ),
    );
    const serviceKinds = ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ScaledObject'];
    const early = firstStep.filter(
      (d) => serviceKinds.includes(String(d.kind)) && APPS.some((a) => a.name === nameOf(d)),
    );
    expect(early.map(idOf)).toEqual([]);
    if (overlay.infra)
      expect(
        firstStep
          .filter((d) => d.kind === 'StatefulSet')
          .map(nameOf)
          .sort(),
      ).toEqual(['postgres', 'rabbitmq']);
  });

  it('migrates with the migration user while the services connect as the runtime login', () => {
    const docs = docsOf(overlay);
    const job = get(docs, 'Job', 'vigil-migrate');
    const container = containersOf(job)[0];
    // The same CLI as docker-compose.yml's migrate service and `npm run migrate`.
    const compose = loadCompose();
    expect(container.command).toEqual(stringList(compose.services.migrate.command, 'migrate.command'));
    const rootPackage = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    expect(rootPackage.scripts.migrate).toContain(stringList(container.command, 'command')[1]);
    expect(podSpecOf(job).restartPolicy).toBe('Never');

    const migration = resolveEnv(docs, job, container);
    expect(migration.problems).toEqual([]);
    expect(() => loadConfig(CommonConfig, migration.env)).not.toThrow();
    const owner = new URL(migration.env.DATABASE_URL);
    for (const app of APPS.filter((a) => a.hasDatabase)) {
      const deployment = get(docs, 'Deployment', app.name);
      const service = resolveEnv(docs, deployment, containersOf(deployment)[0]);
      const login = new URL(service.env.DATABASE_URL);
      expect({
        app: app.name,
        job: migration.fromSecret.DATABASE_URL,
        service: service.fromSecret.DATABASE_URL,
      }).toEqual({
        app: app.name,
        job: 'vigil-secrets/MIGRATION_DATABASE_URL',
        service: 'vigil-secrets/DATABASE_URL',
      });
      // The same database, another login.
      expect([login.host, login.pathname]).toEqual([owner.host, owner.pathname]);
      expect(login.username).not.toBe(owner.username);
    }
  });

  it.each(HPA_SCALED.map((n) => [n]))(
    '%s scales with a HorizontalPodAutoscaler (autoscaling/v2), or a KEDA ScaledObject with the component',
    (name) => {
      const docs = docsOf(overlay);
      const deployment = get(docs, 'Deployment', name);
      // The autoscaler owns the replica count: a fixed one would be reset on every apply.
      expect(dict(deployment.spec, 'spec').replicas).toBeUndefined();
      const hpa = find(docs, 'HorizontalPodAutoscaler', name);
      const scaled = find(docs, 'ScaledObject', name);
      if (keda(overlay) && KEDA_SCALED.includes(name)) {
        // KEDA makes its own HPA; two autoscalers on one Deployment would fight.
        expect(hpa).toBeUndefined();
        expect(dict(dict(scaled!.spec, 'spec').scaleTargetRef, 'scaleTargetRef').name).toBe(name);
      } else {
        expect(scaled).toBeUndefined();
        expect(hpa?.apiVersion).toBe('autoscaling/v2');
        const spec = dict(hpa!.spec, 'spec');
        expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
        expect(Number(spec.minReplicas)).toBeGreaterThanOrEqual(1);
        expect(Number(spec.maxReplicas)).toBeGreaterThan(Number(spec.minReplicas));
      }
    },
  );

  it('points every autoscaler at a Deployment that exists, and runs the others at a fixed count', () => {
    const docs = docsOf(overlay);
    for (const hpa of docs.filter((d) => d.kind === 'HorizontalPodAutoscaler')) {
      const target = dict(dict(hpa.spec, 'spec').scaleTargetRef, 'scaleTargetRef');
      expect({ hpa: nameOf(hpa), exists: find(docs, String(target.kind), String(target.name)) !== undefined }).toEqual({
        hpa: nameOf(hpa),
        exists: true,
      });
    }
    for (const app of APPS.filter((a) => !HPA_SCALED.includes(a.name)))
      expect(Number(dict(get(docs, 'Deployment', app.name).spec, 'spec').replicas)).toBeGreaterThanOrEqual(1);
  });

  if (keda(overlay))
    it("scales on the depth of the queues the bus declares, read with the services' own AMQP_URL", () => {
      const docs = docsOf(overlay);
      const busNamespace = String(dict(get(docs, 'ConfigMap', 'vigil-config').data, 'data').BUS_NAMESPACE);
      const topology = new TopologyNames(busNamespace);
      for (const name of KEDA_SCALED) {
        const spec = dict(get(docs, 'ScaledObject', name).spec, 'spec');
        expect(find(docs, 'Deployment', String(dict(spec.scaleTargetRef, 'target').name))).toBeDefined();
        const triggers = spec.triggers as Dict[];
        expect(triggers.map((t) => [t.type, dict(t.metadata, 'metadata').queueName])).toEqual([
          ['rabbitmq', topology.serviceQueue(name)],
        ]);
        const auth = get(docs, 'TriggerAuthentication', String(dict(triggers[0].authenticationRef, 'ref').name));
        expect(dict(auth.spec, 'spec').secretTargetRef).toEqual([
          { parameter: 'host', name: 'vigil-secrets', key: 'AMQP_URL' },
        ]);
      }
    });

  it.each(APPS.map((a) => [a.name]))('%s has a PodDisruptionBudget that selects its pods and no others', (name) => {
    const docs = docsOf(overlay);
    const pdb = get(docs, 'PodDisruptionBudget', name);
    const spec = dict(pdb.spec, 'spec');
    for (const deployment of docs.filter((d) => d.kind === 'Deployment'))
      expect({
        pdb: name,
        deployment: nameOf(deployment),
        selects: selects(spec.selector, podLabelsOf(deployment)),
      }).toEqual({
        pdb: name,
        deployment: nameOf(deployment),
        selects: nameOf(deployment) === name,
      });
    // maxUnavailable keeps node drains possible with a single replica too.
    expect(spec.maxUnavailable).toBe(1);
  });

  it('denies all traffic by default, lets outside traffic reach only the gateway, and egress only where needed', () => {
    const docs = docsOf(overlay);
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    const denyAll = policies.filter((p) => {
      const spec = dict(p.spec, 'spec');
      return (
        Object.keys(dict(spec.podSelector, 'podSelector')).length === 0 &&
        stringList(spec.policyTypes, 'policyTypes').sort().join() === 'Egress,Ingress' &&
        spec.ingress === undefined &&
        spec.egress === undefined
      );
    });
    expect(denyAll).toHaveLength(1);

    const rulesFor = (labels: Record<string, string>, direction: 'ingress' | 'egress') =>
      policies
        .filter((p) => selects(dict(p.spec, 'spec').podSelector, labels))
        .flatMap((p) =>
          ((dict(p.spec, 'spec')[direction] ?? []) as Dict[]).map((rule) => ({ policy: nameOf(p), rule })),
        );
    const peersOf = (rule: Dict) => (rule.from ?? rule.to ?? []) as Dict[];
    const portsOf = (rule: Dict) => ((rule.ports ?? []) as Dict[]).map((p) => p.port);
    const namespaceOf = (peer: Dict) =>
      isDict(peer.namespaceSelector)
        ? (peer.namespaceSelector.matchLabels as Dict)['kubernetes.io/metadata.name']
        : undefined;

    for (const app of APPS) {
      const deployment = get(docs, 'Deployment', app.name);
      const labels = podLabelsOf(deployment);
      const port = containersOf(deployment)[0].ports as Dict[];
      const portName = port[0].name;
      // Ingress: the gateway from the ingress controller; every service from monitoring (scraping), nothing else.
      for (const { policy, rule } of rulesFor(labels, 'ingress')) {
        const peers = peersOf(rule);
        expect({ app: app.name, policy, anyone: peers.length === 0 }).toEqual({ app: app.name, policy, anyone: false });
        for (const peer of peers) {
          const from = namespaceOf(peer);
          const allowed = app.name === 'gateway' ? ['ingress-nginx', 'monitoring'] : ['monitoring'];
          expect({ app: app.name, policy, from, ipBlock: peer.ipBlock }).toEqual({
            app: app.name,
            policy,
            from: allowed.includes(String(from)) ? from : '(an allowed namespace)',
            ipBlock: undefined,
          });
        }
        expect({ app: app.name, policy, ports: portsOf(rule).filter((p) => p !== portName) }).toEqual({
          app: app.name,
          policy,
          ports: [],
        });
      }
      if (app.name === 'gateway')
        expect(
          rulesFor(labels, 'ingress').some(({ rule }) => peersOf(rule).some((p) => namespaceOf(p) === 'ingress-nginx')),
        ).toBe(true);

      // Egress: DNS, the broker and the database; the internet only for agent-runner and notification.
      for (const { policy, rule } of rulesFor(labels, 'egress')) {
        const ports = portsOf(rule);
        const dns =
          ports.length > 0 &&
          ports.every((p) => p === 53) &&
          peersOf(rule).every((p) => namespaceOf(p) === 'kube-system');
        const infra = ports.length > 0 && ports.every((p) => [5432, 5672, 5671].includes(Number(p)));
        const internet =
          peersOf(rule).length > 0 &&
          peersOf(rule).every(
            (p) =>
              isDict(p.ipBlock) &&
              ['0.0.0.0/0', '::/0'].includes(String(p.ipBlock.cidr)) &&
              Array.isArray(p.ipBlock.except) &&
              p.ipBlock.except.length > 0,
          );
        const allowed = dns || infra || (internet && ['agent-runner', 'notification'].includes(app.name));
        expect({ app: app.name, policy, allowed }).toEqual({ app: app.name, policy, allowed: true });
      }
      const egressPorts = rulesFor(labels, 'egress').flatMap(({ rule }) => portsOf(rule));
      for (const needed of [53, 5432, 5672])
        expect({ app: app.name, needed, allowed: egressPorts.includes(needed) }).toEqual({
          app: app.name,
          needed,
          allowed: true,
        });
    }
    // The migration Job reaches the database too.
    const migrate = podLabelsOf(get(docs, 'Job', 'vigil-migrate'));
    expect(rulesFor(migrate, 'egress').flatMap(({ rule }) => portsOf(rule))).toEqual(
      expect.arrayContaining([53, 5432]),
    );
  });

  it('routes the gateway through an Ingress with WebSocket-friendly timeouts and the upgrade path', () => {
    const docs = docsOf(overlay);
    const ingress = get(docs, 'Ingress', 'gateway');
    const annotations = meta(ingress).annotations as Record<string, string>;
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
    // Bodies up to the gateway's own limit reach it, so it answers 413 itself.
    const gateway = get(docs, 'Deployment', 'gateway');
    const config = configOf('gateway', resolveEnv(docs, gateway, containersOf(gateway)[0]).env) as CommonConfig & {
      INGEST_MAX_BODY_BYTES: number;
    };
    expect(
      quantity(annotations['nginx.ingress.kubernetes.io/proxy-body-size'].replace(/m$/, 'Mi')),
    ).toBeGreaterThanOrEqual(config.INGEST_MAX_BODY_BYTES);
    const service = get(docs, 'Service', 'gateway');
    const servicePorts = (dict(service.spec, 'spec').ports as Dict[]).map((p) => p.name);
    const paths = (dict(ingress.spec, 'spec').rules as Dict[]).flatMap(
      (rule) => dict(rule.http, 'http').paths as Dict[],
    );
    for (const p of paths) {
      const backend = dict(dict(p.backend, 'backend').service, 'backend.service');
      expect({
        path: p.path,
        service: backend.name,
        port: servicePorts.includes(String(dict(backend.port, 'port').name)),
      }).toEqual({
        path: p.path,
        service: 'gateway',
        port: true,
      });
    }
    expect(paths.map((p) => p.path)).toEqual(expect.arrayContaining(['/api/v1/ws', '/']));
  });

  it('sets in vigil-config only variables some service reads', () => {
    const docs = docsOf(overlay);
    const declared = new Set(
      [CommonConfig, ...ALL_SERVICES.flatMap((d) => (d.config ? [d.config] : []))].flatMap((c) =>
        envVarsOf(c as ConfigClass).map((v) => v.name),
      ),
    );
    const keys = Object.keys(dict(get(docs, 'ConfigMap', 'vigil-config').data, 'data'));
    expect(keys.filter((k) => !declared.has(k))).toEqual([]);
  });

  if (overlay.infra) {
    it('runs RabbitMQ and PostgreSQL with the credentials the services and the migration Job use', () => {
      const docs = docsOf(overlay);
      const infra = secretData(get(docs, 'Secret', 'dev-infra'));
      const secrets = secretData(get(docs, 'Secret', 'vigil-secrets'));
      const amqp = new URL(secrets.AMQP_URL);
      expect([amqp.username, amqp.password]).toEqual([infra.RABBITMQ_DEFAULT_USER, infra.RABBITMQ_DEFAULT_PASS]);
      expect(amqp.username).not.toBe('guest');
      const runtime = new URL(secrets.DATABASE_URL);
      expect([runtime.username, runtime.password, runtime.pathname]).toEqual([
        infra.VIGIL_DB_USER,
        infra.VIGIL_DB_PASSWORD,
        `/${infra.POSTGRES_DB}`,
      ]);
      const owner = new URL(secrets.MIGRATION_DATABASE_URL);
      expect([owner.username, owner.password]).toEqual([infra.POSTGRES_USER, infra.POSTGRES_PASSWORD]);
      // Hosts and ports are the in-cluster Services of the two StatefulSets.
      for (const [url, name] of [
        [amqp, 'rabbitmq'],
        [runtime, 'postgres'],
        [owner, 'postgres'],
      ] as const) {
        expect(url.hostname).toBe(name);
        expect(find(docs, 'StatefulSet', name)).toBeDefined();
        const ports = (dict(get(docs, 'Service', name).spec, 'spec').ports as Dict[]).map((p) => String(p.port));
        expect(ports).toContain(url.port);
      }
    });

    it("creates the services' login on PostgreSQL's first start with the same script as docker-compose.yml", () => {
      const docs = docsOf(overlay);
      // kustomize reads no file outside the overlay: the overlay holds a copy, which must not drift.
      expect(readRepoFile('k8s/overlays/dev/postgres/init-runtime-login.sh')).toBe(
        readRepoFile('deploy/postgres/init-runtime-login.sh'),
      );
      const compose = loadCompose();
      const composeMount = stringList(compose.services.postgres.volumes, 'volumes').find((v) =>
        v.includes('initdb.d'),
      )!;
      expect(composeMount.split(':')[0].replace(/^\.\//, '')).toBe('deploy/postgres/init-runtime-login.sh');
      const postgres = get(docs, 'StatefulSet', 'postgres');
      const container = containersOf(postgres)[0];
      const mount = (container.volumeMounts as Dict[]).find((m) => m.mountPath === '/docker-entrypoint-initdb.d')!;
      const volume = (podSpecOf(postgres).volumes as Dict[]).find((v) => v.name === mount.name)!;
      const configMap = get(docs, 'ConfigMap', String(dict(volume.configMap, 'configMap').name));
      expect(Object.values(dict(configMap.data, 'data'))).toEqual([
        readRepoFile('deploy/postgres/init-runtime-login.sh'),
      ]);
      // The script reads the login from the container's environment.
      const env = resolveEnv(docs, postgres, container).env;
      expect(env.VIGIL_DB_USER).toBeTruthy();
      expect(env.VIGIL_DB_PASSWORD).toBeTruthy();
      expect(env.POSTGRES_USER).not.toBe(env.VIGIL_DB_USER);
      // Compose's image majors.
      expect(String(container.image).split(':')[0]).toBe(String(compose.services.postgres.image).split(':')[0]);
      expect(containersOf(get(docs, 'StatefulSet', 'rabbitmq'))[0].image).toBe(compose.services.rabbitmq.image);
      expect(environmentOf(compose.services.postgres).VIGIL_DB_USER).toBe(env.VIGIL_DB_USER);
    });
  } else {
    it('starts no broker or database, and renders no Secret an apply would overwrite', () => {
      const docs = docsOf(overlay);
      expect(docs.filter((d) => d.kind === 'StatefulSet').map(idOf)).toEqual([]);
      expect(docs.filter((d) => d.kind === 'Secret').map(idOf)).toEqual([]);
    });
  }
});

describe('k8s manifests', () => {
  // One type-check for every overlay and the Secret templates (it is the slow part).
  it('have no field the API does not know, in any overlay or template', () => {
    expect(unknownFieldErrors([...OVERLAYS.flatMap(docsOf), ...SECRET_TEMPLATES])).toEqual([]);
  });
});

describe('k8s/secrets/secrets.example.yaml', () => {
  it('holds valid Secret templates with placeholders only', () => {
    expect(SECRET_TEMPLATES.map(nameOf).sort()).toEqual(['vigil-keys', 'vigil-secrets']);
    expect(SECRET_TEMPLATES.flatMap(schemaErrors)).toEqual([]);
    for (const secret of SECRET_TEMPLATES)
      for (const [key, value] of Object.entries(secretData(secret)))
        if (!['VIGIL_ADMIN_EMAIL'].includes(key))
          expect({ key, placeholder: value.includes('CHANGE-ME') }).toEqual({ key, placeholder: true });
    // vigil-keys holds the files init-keys writes.
    expect(Object.keys(secretData(SECRET_TEMPLATES.find((s) => nameOf(s) === 'vigil-keys')!)).sort()).toEqual(
      Object.values(SHARED_KEY_FILES)
        .map((f) => f.file)
        .sort(),
    );
  });

  it('has exactly the keys the pods read from it', () => {
    const prod = docsOf(OVERLAYS[1]);
    const withKeda = docsOf(OVERLAYS[2]);
    const referenced = new Set<string>();
    for (const docs of [prod, withKeda]) {
      for (const workload of workloadsOf(docs)) {
        for (const container of containersOf(workload))
          for (const entry of (container.env ?? []) as Dict[]) {
            const ref = isDict(entry.valueFrom) ? entry.valueFrom.secretKeyRef : undefined;
            if (isDict(ref)) referenced.add(`${String(ref.name)}/${String(ref.key)}`);
          }
        for (const volume of (podSpecOf(workload).volumes ?? []) as Dict[])
          if (isDict(volume.secret))
            for (const item of (volume.secret.items ?? []) as Dict[])
              referenced.add(`${String(volume.secret.secretName)}/${String(item.key)}`);
      }
      for (const auth of docs.filter((d) => d.kind === 'TriggerAuthentication'))
        for (const ref of dict(auth.spec, 'spec').secretTargetRef as Dict[])
          referenced.add(`${String(ref.name)}/${String(ref.key)}`);
    }
    const templated = SECRET_TEMPLATES.flatMap((s) => Object.keys(secretData(s)).map((k) => `${nameOf(s)}/${k}`));
    expect(templated.sort()).toEqual([...referenced].sort());
  });
});
