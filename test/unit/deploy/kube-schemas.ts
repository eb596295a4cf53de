// Kubernetes and KEDA documents checked against their API schemas without a cluster, with the
// models of kubernetes-models and @kubernetes-models/keda, two ways:
//
//   - `schemaErrors`: the model's own validator (the API's OpenAPI schema compiled with ajv):
//     types, enums, formats and required fields;
//   - `unknownFieldErrors`: the same models' TypeScript interfaces, type-checked with the documents
//     as object literals, so a field the API does not have (`readinesProbe:`) is an excess
//     property, as the API server's strict field validation would refuse it.
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot, type Dict } from './deploy-files.js';
import { idOf } from './kustomize.js';

interface KnownKind {
  model: new (data: never) => { validate(): void };
  /** The module and interface of its TypeScript declaration. */
  module: string;
  type: string;
}

const KINDS: Record<string, KnownKind> = {
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1/ServiceAccount': {
    model: ServiceAccount,
    module: 'kubernetes-models/v1/ServiceAccount',
    type: 'IServiceAccount',
  },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
  'batch/v1/Job': { model: Job, module: 'kubernetes-models/batch/v1/Job', type: 'IJob' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    type: 'IHorizontalPodAutoscaler',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1/Ingress': {
    model: Ingress,
    module: 'kubernetes-models/networking.k8s.io/v1/Ingress',
    type: 'IIngress',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy,
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    type: 'INetworkPolicy',
  },
  'keda.sh/v1alpha1/ScaledObject': {
    model: ScaledObject,
    module: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
    type: 'IScaledObject',
  },
  'keda.sh/v1alpha1/TriggerAuthentication': {
    model: TriggerAuthentication,
    module: '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication',
    type: 'ITriggerAuthentication',
  },
};

function kindOf(doc: Dict): KnownKind | undefined {
  return KINDS[`${String(doc.apiVersion)}/${String(doc.kind)}`];
}

/** Problems the API's schema finds in one document (empty: valid). */
export function schemaErrors(doc: Dict): string[] {
  const known = kindOf(doc);
  if (!known) return [`${idOf(doc)}: no schema known for ${String(doc.apiVersion)} ${String(doc.kind)}`];
  try {
    new known.model(structuredClone(doc) as never).validate();
    return [];
  } catch (error) {
    return [`${idOf(doc)}: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/**
 * Fields the API does not know, and values of the wrong type, in any of `docs`: each document is
 * type-checked as an object literal of its kind's interface, one per line of a virtual module.
 */
export function unknownFieldErrors(docs: Dict[]): string[] {
  const used = [...new Set(docs.map(kindOf).filter((k): k is KnownKind => k !== undefined))];
  const imports = used.map((k, i) => `import type { ${k.type} as T${i} } from '${k.module}';`);
  const lines = docs.map((doc, i) => {
    const known = kindOf(doc);
    return known ? `export const d${i}: T${used.indexOf(known)} = ${JSON.stringify(doc)};` : '';
  });
  const file = path.join(repoRoot, 'k8s-manifests.check.mts');
  const source = [...imports, ...lines].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, language, true)
      : getSourceFile.call(host, name, language, ...rest);
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => {
      const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line - imports.length;
      const what = line >= 0 && line < docs.length ? idOf(docs[line]) : 'imports';
      return `${what}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
