// Runs every `curl` example of README.md, in order, with curl itself, against a running system, and
// checks the status the README states after it (`# → 202`). `then NAME=<field>` keeps a field of the
// answer as the shell variable NAME for the examples after it. The README's address, admin email and
// password are replaced by the test system's. So a README showing a body or route the API refuses fails.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEST_MODE, TestHarness, waitFor } from '@vigil/testing';

const run = promisify(execFile);
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

interface Example {
  /** The command as the README shows it. */
  command: string;
  status: number;
  /** Shell variable → path of the answer's field (`ids.0`). */
  keep: Record<string, string>;
}

/** The curl examples of the README's `sh` blocks, each with the status line that follows it. */
function readmeExamples(markdown: string): { examples: Example[]; curlLines: number } {
  const examples: Example[] = [];
  let curlLines = 0;
  for (const [, block] of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    let command: string[] | undefined;
    for (const line of block!.split('\n')) {
      if (line.startsWith('curl ')) {
        curlLines++;
        if (command) throw new Error(`README example without a "# → status" line: ${command.join('\n')}`);
        command = [line];
        continue;
      }
      const stated = /^# → (\d{3})\b(.*)$/.exec(line);
      if (stated && command) {
        const keep = Object.fromEntries(
          [...(/; then (.*)$/.exec(stated[2]!)?.[1] ?? '').matchAll(/(\w+)=<([\w.]+)>/g)].map((m) => [m[1]!, m[2]!]),
        );
        examples.push({ command: command.join('\n'), status: Number(stated[1]), keep });
        command = undefined;
      } else if (command) command.push(line);
    }
    if (command) throw new Error(`README example without a "# → status" line: ${command.join('\n')}`);
  }
  return { examples, curlLines };
}

function field(body: unknown, at: string): string {
  const value = at
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], body);
  if (typeof value !== 'string') throw new Error(`the answer has no text at ${at}: ${JSON.stringify(body)}`);
  return value;
}

describe(`README examples (${TEST_MODE})`, () => {
  const { examples, curlLines } = readmeExamples(README);
  let system: TestHarness;
  let scratch: string;
  const shellVariables: Record<string, string> = {};

  beforeAll(async () => {
    await run('curl', ['--version']).catch(() => {
      throw new Error('the README test runs the examples with curl: install curl');
    });
    system = await TestHarness.system();
    scratch = mkdtempSync(path.join(tmpdir(), 'vigil-readme-'));
  });

  afterAll(async () => {
    await system?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('finds every curl example with the status it answers', () => {
    expect(examples.length).toBe(curlLines);
    expect(examples.length).toBeGreaterThanOrEqual(15);
  });

  /** Runs one example through sh and curl; the body lands in a file, the status on stdout. */
  async function answer(example: Example): Promise<{ status: number; body: unknown }> {
    const unset = [...example.command.matchAll(/\$(\w+)/g)].map((m) => m[1]!).filter((v) => !(v in shellVariables));
    if (unset.length) throw new Error(`the example uses ${unset.join(', ')}, which no example before it kept`);
    const address = new URL(system.url).host;
    const command = example.command
      .replaceAll('localhost:3000', address)
      .replaceAll('admin@vigil.local', system.admin.email)
      .replaceAll('<the printed password>', system.admin.password);
    const bodyFile = path.join(scratch, 'body');
    const { stdout } = await run('sh', ['-c', `${command} -s -o '${bodyFile}' -w '%{http_code}'`], {
      env: { ...process.env, ...shellVariables },
    });
    const text = readFileSync(bodyFile, 'utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text for the failure message.
    }
    return { status: Number(stdout), body };
  }

  it.each(examples.map((example, index) => [index + 1, example.command.split('\n')[0], example] as const))(
    'example %i: %s',
    async (_index, _first, example) => {
      // An alert is stored moments after its 202: the examples on it may answer 404 until then.
      const got = await waitFor(
        async () => {
          const result = await answer(example);
          return result.status === 404 && example.status !== 404 && /\$ID\b/.test(example.command) ? undefined : result;
        },
        { what: `the alert of ${example.command.split('\n')[0]}` },
      );
      expect({ status: got.status, body: got.body }).toEqual({ status: example.status, body: expect.anything() });
      for (const [variable, at] of Object.entries(example.keep)) shellVariables[variable] = field(got.body, at);
    },
  );
});
