import { hashPassword, needsRehash, parsePasswordHash, unmatchableHash, verifyPassword } from './password.js';

const FAST = { ln: 10, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('stores the parameters, a random salt and the key in one string', async () => {
    const stored = await hashPassword('correct horse battery staple', FAST);
    expect(stored).toMatch(/^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await hashPassword('correct horse battery staple', FAST)).not.toBe(stored);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple', FAST);
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('verifies with the parameters of the stored string, not the current defaults', async () => {
    const old = await hashPassword('tinned peaches on toast', { ln: 11, r: 4, p: 1 });
    await expect(verifyPassword('tinned peaches on toast', old)).resolves.toBe(true);
  });

  it('treats unicode forms alike (NFKC)', async () => {
    const stored = await hashPassword('ﬁsh and chips ahoy', FAST);
    await expect(verifyPassword('fish and chips ahoy', stored)).resolves.toBe(true);
  });

  it('never matches a malformed stored string', async () => {
    await expect(verifyPassword('x', 'plain-text-password')).resolves.toBe(false);
    await expect(
      verifyPassword('x', 'scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    ).resolves.toBe(false);
    expect(parsePasswordHash('scrypt$ln=15,r=8,p=1$short$short')).toBeUndefined();
  });

  it('asks for a re-hash when the stored parameters are weaker than the current ones', async () => {
    const weak = await hashPassword('correct horse battery staple', FAST);
    expect(needsRehash(weak, { ln: 15, r: 8, p: 1 })).toBe(true);
    expect(needsRehash(weak, FAST)).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });

  it("hashes with OWASP's recommended minimum by default (N = 2^17, r = 8, p = 1), which older strings fall short of", async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$ln=17,r=8,p=1\$/);
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    expect(needsRehash(stored)).toBe(false);
    expect(needsRehash(await hashPassword('correct horse battery staple', { ln: 15, r: 8, p: 1 }))).toBe(true);
  });

  it('makes an unmatchable string with the given parameters, checked at the cost of a real one', async () => {
    const dummy = unmatchableHash(FAST);
    expect(parsePasswordHash(dummy)).toMatchObject({ params: FAST });
    expect(unmatchableHash(FAST)).not.toBe(dummy);
    await expect(verifyPassword('', dummy)).resolves.toBe(false);
    expect(unmatchableHash()).toMatch(/^scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('refuses parameters outside the sane range', async () => {
    await expect(hashPassword('x', { ln: 4, r: 8, p: 1 })).rejects.toThrow(/ln/);
  });
});
