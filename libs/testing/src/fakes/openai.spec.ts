import OpenAI from 'openai';
import { FakeOpenAI } from './openai.js';

describe('FakeOpenAI, through the official OpenAI client', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;
  beforeEach(async () => {
    fake = await FakeOpenAI.start({ apiKey: 'sk-test' });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseUrl, maxRetries: 0, timeout: 2_000 });
  });
  afterEach(() => fake.close());

  it('answers a plain completion with the scripted text and usage, and records the request', async () => {
    fake.reply({ content: 'The disk is full.', usage: { prompt_tokens: 42, completion_tokens: 7 } });
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Why is the pod crashing?' }],
    });
    expect(answer.choices[0]!.message.content).toBe('The disk is full.');
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    expect(answer.usage).toEqual({ prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.path).toBe('/v1/chat/completions');
    expect(fake.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'Why is the pod crashing?' }]);
  });

  it('answers with tool calls', async () => {
    fake.reply({ toolCalls: [{ id: 'call_1', name: 'get_logs', arguments: { pod: 'api-7', lines: 50 } }] });
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'look' }],
      tools: [{ type: 'function', function: { name: 'get_logs', parameters: { type: 'object' } } }],
    });
    expect(answer.choices[0]!.finish_reason).toBe('tool_calls');
    expect(answer.choices[0]!.message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'get_logs', arguments: '{"pod":"api-7","lines":50}' } },
    ]);
    expect(fake.requests[0]!.body.tools).toHaveLength(1);
  });

  it('streams text in chunks ending in [DONE], with usage last when asked for', async () => {
    fake.reply({
      content: 'Restart the ingest worker, then watch the queue.',
      usage: { prompt_tokens: 3, completion_tokens: 9 },
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'what now?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Restart the ingest worker, then watch the queue.');
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 });
  });

  it('streams tool calls as the client assembles them', async () => {
    fake.reply({ toolCalls: [{ name: 'silence', arguments: { alertId: 'a-1', minutes: 30 } }] });
    const runner = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'quiet it' }],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ alertId: 'a-1', minutes: 30 });
  });

  it('can answer 429 with Retry-After, 500, and then succeed', async () => {
    fake.reply({ status: 429, retryAfterSeconds: 7 }, { status: 500, message: 'boom' }, { content: 'fine' });
    const ask = () => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const limited = await ask().catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
    const failed = await ask().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect((failed as Error).message).toContain('boom');
    expect((await ask()).choices[0]!.message.content).toBe('fine');
    expect(fake.requests).toHaveLength(3);
  });

  it('can hang until the client gives up', async () => {
    fake.reply({ hang: true });
    const started = Date.now();
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { timeout: 300 })
      .catch((e: unknown) => e as Error);
    // The client's timeout surfaces as a connection error (its abort, seen from the test's realm).
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses another API key and lists its models', async () => {
    const other = new OpenAI({ apiKey: 'sk-wrong', baseURL: fake.baseUrl, maxRetries: 0 });
    await expect(other.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-4o-mini']);
  });

  it('answers at /chat/completions too, and says when the script is exhausted', async () => {
    const bare = new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseUrl.replace(/\/v1$/, ''), maxRetries: 0 });
    fake.reply({ content: 'one' });
    expect((await bare.chat.completions.create({ model: 'm', messages: [] })).choices[0]!.message.content).toBe('one');
    expect(fake.requests[0]!.path).toBe('/chat/completions');
    await expect(bare.chat.completions.create({ model: 'm', messages: [] })).rejects.toThrow(/no scripted reply left/);
  });
});
