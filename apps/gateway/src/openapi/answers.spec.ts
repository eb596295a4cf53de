import { readFileSync } from 'node:fs';
// @ts-expect-error -- a plain ES module script, without type declarations
import { ANSWERS_FILE, renderAnswerSchemas } from '../../../../scripts/openapi-answers.mjs';

describe('the answer schemas of the OpenAPI document', () => {
  it('are what the route handlers declare today (run `npm run openapi:answers` after changing a view type)', async () => {
    const fresh = (await renderAnswerSchemas()) as string;
    expect(fresh).toBe(readFileSync(ANSWERS_FILE as string, 'utf8'));
  }, 120_000);
});
