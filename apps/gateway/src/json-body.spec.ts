import { request as expressRequest, type Request } from 'express';
import { bodyPolicyProblem } from './json-body.js';

function req(headers: Record<string, string>): Request {
  return Object.assign(Object.create(expressRequest) as Request, { headers });
}

describe('bodyPolicyProblem', () => {
  it('accepts JSON bodies: application/json or +json, UTF-8', () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON; charset="UTF-8"',
      'application/vnd.grafana+json',
    ])
      expect(bodyPolicyProblem(req({ 'content-type': type, 'content-length': '2' }))).toBeUndefined();
  });

  it('leaves requests without a body alone, whatever they declare', () => {
    expect(bodyPolicyProblem(req({}))).toBeUndefined();
    expect(bodyPolicyProblem(req({ 'content-length': '0', 'content-type': 'text/plain' }))).toBeUndefined();
  });

  it('refuses any other body, naming its content type', () => {
    expect(bodyPolicyProblem(req({ 'content-type': 'text/plain', 'content-length': '2' }))).toBe(
      'content-type text/plain is not accepted: send the body as JSON with content-type application/json',
    );
    expect(
      bodyPolicyProblem(req({ 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' })),
    ).toMatch(/^content-type application\/x-www-form-urlencoded is not accepted/);
    expect(bodyPolicyProblem(req({ 'content-length': '2' }))).toBe(
      'content-type is missing: send the body as JSON with content-type application/json',
    );
    expect(bodyPolicyProblem(req({ 'content-type': 'application/json; charset=latin1', 'content-length': '2' }))).toBe(
      'content-type application/json; charset=latin1 is not accepted: JSON is read as UTF-8 (charset=utf-8 or none)',
    );
  });

  it("takes Slack's form-encoded body on the route marked for it, and only that", () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '9' };
    expect(bodyPolicyProblem(req(form), true)).toBeUndefined();
    expect(
      bodyPolicyProblem(req({ ...form, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }), true),
    ).toBeUndefined();
    expect(bodyPolicyProblem(req({ 'content-type': 'application/json', 'content-length': '2' }), true)).toBe(
      'content-type application/json is not accepted: send the body form-encoded with content-type application/x-www-form-urlencoded, as Slack does',
    );
    expect(bodyPolicyProblem(req(form))).toMatch(/^content-type application\/x-www-form-urlencoded is not accepted/);
  });
});
