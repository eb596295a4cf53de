#!/usr/bin/env node
// `npm run openapi:answers`: the JSON schemas of what each gateway route answers, for the OpenAPI
// document (docs/architecture.md, "The API description"). Each route handler's declared return type
// (`Promise<Page<AlertView>>` → `Page<AlertView>`) becomes a type alias `Answer_<Controller>_<method>`
// in a scratch file beside its controller, with the controller's own imports, and
// ts-json-schema-generator turns the aliases and every type they use into JSON schemas, written to
// apps/gateway/src/openapi/answers.generated.ts. A unit test regenerates it and compares, so the file
// cannot drift from the types; a handler without a declared return type is refused by name.
//
//   node scripts/openapi-answers.mjs           writes the file
//   node scripts/openapi-answers.mjs --print   prints the schemas, writes nothing
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import ts from 'typescript';
import { createGenerator } from 'ts-json-schema-generator';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const gatewaySrc = path.join(root, 'apps/gateway/src');
export const ANSWERS_FILE = path.join(gatewaySrc, 'openapi/answers.generated.ts');
const ROUTE_DECORATORS = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete']);

function controllerFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return controllerFiles(full);
    return entry.name.endsWith('.controller.ts') ? [full] : [];
  });
}

function decoratorNames(node) {
  return (ts.getDecorators(node) ?? []).map((d) =>
    ts.isCallExpression(d.expression) ? d.expression.expression.getText() : d.expression.getText(),
  );
}

/** `Promise<X>` → `X`; `void` / `Promise<void>` → undefined (no body). */
function answerTypeText(typeNode, source) {
  let node = typeNode;
  if (ts.isTypeReferenceNode(node) && node.typeName.getText(source) === 'Promise' && node.typeArguments?.length === 1)
    node = node.typeArguments[0];
  const text = node.getText(source);
  return text === 'void' || text === 'undefined' ? undefined : text;
}

/** For each controller file: its import declarations and its routes' answer types. */
function routesOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imports = source.statements.filter(ts.isImportDeclaration).map((s) => s.getText(source));
  // Types the controller declares for itself (an answer shape of its own) come along.
  const locals = source.statements
    .filter((s) => ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s))
    .map((s) => s.getText(source));
  const answers = [];
  const missing = [];
  for (const statement of source.statements) {
    if (!ts.isClassDeclaration(statement) || !decoratorNames(statement).includes('Controller')) continue;
    const controller = statement.name.getText(source);
    for (const member of statement.members) {
      if (!ts.isMethodDeclaration(member)) continue;
      if (!decoratorNames(member).some((name) => ROUTE_DECORATORS.has(name))) continue;
      const method = member.name.getText(source);
      if (!member.type) {
        missing.push(`${controller}.${method}`);
        continue;
      }
      const text = answerTypeText(member.type, source);
      if (text) answers.push({ name: `Answer_${controller}_${method}`, text });
    }
  }
  return { imports, locals, answers, missing };
}

/** The answers' schemas: `{ routes: { <Controller>_<method>: schema }, definitions: { <Type>: schema } }`. */
export function generateAnswerSchemas() {
  const scratch = [];
  const missing = [];
  try {
    for (const file of controllerFiles(gatewaySrc)) {
      const { imports, locals, answers, missing: without } = routesOf(file);
      missing.push(...without);
      if (answers.length === 0) continue;
      // Beside the controller, so that its relative imports resolve as they do for it.
      const dir = mkdtempSync(path.join(path.dirname(file), '.answers-'));
      const target = path.join(dir, 'answers.ts');
      const relocated = imports.map((text) =>
        text.replace(/from '(\.{1,2}\/[^']+)'/, (_m, spec) => `from '${path.posix.join('..', spec)}'`),
      );
      writeFileSync(
        target,
        [...relocated, ...locals, ...answers.map((a) => `export type ${a.name} = ${a.text};`)].join('\n') + '\n',
      );
      scratch.push({ dir, target, answers });
    }
    if (missing.length)
      throw new Error(`route handlers without a declared return type (the OpenAPI answer): ${missing.join(', ')}`);
    const definitions = {};
    const routes = {};
    for (const { target, answers } of scratch) {
      const generator = createGenerator({
        path: target,
        tsconfig: path.join(root, 'tsconfig.json'),
        expose: 'export',
        topRef: false,
        skipTypeCheck: true,
        jsDoc: 'basic',
        additionalProperties: true,
        sortProps: true,
        strictTuples: false,
      });
      for (const { name } of answers) {
        const { definitions: used = {}, $schema: _draft, ...answer } = generator.createSchema(name);
        Object.assign(definitions, used);
        routes[name.slice('Answer_'.length)] = answer;
      }
    }
    const sort = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));
    // OpenAPI component names are [A-Za-z0-9._-]: `Page<AlertView>` becomes `Page_AlertView`.
    const tidy = (name) => name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/_+$/, '');
    const rename = (value) =>
      JSON.parse(
        JSON.stringify(value).replace(
          /"#\/definitions\/([^"]+)"/g,
          (_m, ref) => `"#/definitions/${tidy(decodeURIComponent(ref))}"`,
        ),
      );
    for (const [name, definition] of Object.entries(definitions)) {
      delete definitions[name];
      definitions[tidy(name)] = rename(definition);
    }
    for (const [name, answer] of Object.entries(routes)) routes[name] = rename(answer);
    // `routes`: the answer of each route by its operation id (`<Controller>_<method>`); `definitions`: the types they use.
    return { routes: sort(routes), definitions: sort(definitions) };
  } finally {
    for (const { dir } of scratch) rmSync(dir, { recursive: true, force: true });
  }
}

/** The module written to ANSWERS_FILE, formatted as the repository formats code. */
export async function renderAnswerSchemas() {
  const text = [
    "// Generated by `npm run openapi:answers` from the gateway route handlers' declared return types: do not edit.",
    '// A unit test regenerates it and fails when it differs (docs/architecture.md, "The API description").',
    `export const ANSWERS: { routes: Record<string, object>; definitions: Record<string, object> } = ${JSON.stringify(generateAnswerSchemas())};`,
    '',
  ].join('\n');
  const options = (await prettier.resolveConfig(ANSWERS_FILE)) ?? {};
  return prettier.format(text, { ...options, filepath: ANSWERS_FILE });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await renderAnswerSchemas();
  if (process.argv.includes('--print')) process.stdout.write(text);
  else {
    writeFileSync(ANSWERS_FILE, text);
    console.log(`wrote ${path.relative(root, ANSWERS_FILE)}`);
  }
}
