import { PASSWORD_REQUIREMENTS, passwordProblems } from './password-policy.js';

describe('password policy', () => {
  it.each(['correct horse battery staple', 'Tq7!mZ#p2vLx', 'purple-otter-sings-at-dawn', 'ünïcödé pässwörd 2024'])(
    'accepts %s',
    (password) => {
      expect(passwordProblems(password)).toEqual([]);
    },
  );

  it('refuses a short one, saying so', () => {
    expect(passwordProblems('Tq7!mZ#p')).toContain('is shorter than 12 characters');
  });

  it.each([
    'password1234',
    'Password123!',
    'P@ssw0rd2024!!',
    'qwertyuiop12',
    'changeme2025',
    'passwordpassword',
    'letmeinletmein',
  ])('refuses the common %s', (password) => {
    expect(passwordProblems(password)).toContain('is a common password');
  });

  it.each(['abcdefghijklm', '123456789012', 'qwertzuiopasdf', 'zyxwvutsrqpon'])('refuses the run %s', (password) => {
    expect(passwordProblems(password)).toEqual(expect.arrayContaining([expect.stringMatching(/run|common/)]));
  });

  it.each(['aaaaaaaaaaaaaaaa', 'abcabcabcabcabc', 'xy12xy12xy12xy12'])('refuses the repetition %s', (password) => {
    expect(passwordProblems(password).length).toBeGreaterThan(0);
  });

  it('refuses one built from the email or the name', () => {
    expect(passwordProblems('margaret-2024-rocks', { email: 'margaret@example.com' })).toContain(
      'contains your email name or your name',
    );
    expect(passwordProblems('i am Hamilton, ok?', { name: 'Margaret Hamilton' })).toContain(
      'contains your email name or your name',
    );
    expect(passwordProblems('purple-otter-sings', { email: 'al@example.com', name: 'Al Bo' })).toEqual([]);
  });

  it('has a requirement text that says what is needed', () => {
    expect(PASSWORD_REQUIREMENTS).toMatch(/at least 12 characters/);
  });
});
