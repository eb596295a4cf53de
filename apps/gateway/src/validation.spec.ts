import { UnprocessableEntityException } from '@nestjs/common';
import { CreateTeamRequest } from '@vigil/contracts';
import { createValidationPipe, prototypeKeyProblems } from './validation.js';

describe('HTTP input validation', () => {
  const pipe = createValidationPipe();
  const body = (text: string) => pipe.transform(JSON.parse(text), { type: 'body', metatype: CreateTeamRequest });

  async function refusal(text: string): Promise<unknown> {
    const error = await body(text).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    return (error as UnprocessableEntityException).getResponse();
  }

  it('refuses keys named constructor, __proto__ or prototype with 422 naming each, rather than dropping them', async () => {
    for (const key of ['constructor', '__proto__', 'prototype'])
      expect(await refusal(`{"name":"ops","${key}":{"a":1}}`)).toEqual({
        message: `invalid request: ${key}: a key named "${key}" is not accepted`,
        errors: [`${key}: a key named "${key}" is not accepted`],
      });
  });

  it('names nested ones by their path, in arrays too', () => {
    expect(
      prototypeKeyProblems(
        JSON.parse('{"headers":{"constructor":"x"},"items":[{"a":{"__proto__":null}}],"prototype":1}'),
      ),
    ).toEqual([
      'headers.constructor: a key named "constructor" is not accepted',
      'items[0].a.__proto__: a key named "__proto__" is not accepted',
      'prototype: a key named "prototype" is not accepted',
    ]);
  });

  it('still refuses other unknown fields, and passes a valid body', async () => {
    expect(await refusal('{"name":"ops","other":1}')).toEqual({
      message: 'invalid request: other: property other should not exist',
      errors: ['other: property other should not exist'],
    });
    await expect(body('{"name":"ops","description":"the constructor team"}')).resolves.toEqual({
      name: 'ops',
      description: 'the constructor team',
    });
  });
});
