import { IsOptional } from 'class-validator';
import { CommonConfig, Env, IsIntegerIn, IsParsedBy, loadConfig } from './index.js';

class KnobsConfig extends CommonConfig {
  @Env('at least two')
  @IsIntegerIn(2)
  WORKERS = 4;

  @Env('a bounded delay')
  @IsIntegerIn(0, 500, 'milliseconds')
  DELAY_MS = 10;

  @Env('a colour the parser knows')
  @IsOptional()
  @IsParsedBy((value) => {
    if (!['red', 'green'].includes(value)) throw new Error(`"${value}" is not a colour`);
  })
  COLOUR?: string;
}

const messageOf = (env: NodeJS.ProcessEnv): string => {
  try {
    loadConfig(KnobsConfig, env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('shared validators', () => {
  it('checks an integer range with one message naming the range and the unit', () => {
    expect(messageOf({ WORKERS: '1' })).toBe(
      'Invalid configuration: WORKERS must be an integer of at least 2 (got "1")',
    );
    expect(messageOf({ WORKERS: '2.5' })).toBe(
      'Invalid configuration: WORKERS must be an integer of at least 2 (got "2.5")',
    );
    expect(messageOf({ DELAY_MS: '501' })).toBe(
      'Invalid configuration: DELAY_MS must be an integer between 0 and 500 (milliseconds) (got "501")',
    );
    expect(loadConfig(KnobsConfig, { WORKERS: '2', DELAY_MS: '500' })).toMatchObject({ WORKERS: 2, DELAY_MS: 500 });
  });

  it("accepts what the parser accepts and says the parser's reason otherwise", () => {
    expect(loadConfig(KnobsConfig, { COLOUR: 'red' }).COLOUR).toBe('red');
    expect(messageOf({ COLOUR: 'blue' })).toBe(
      'Invalid configuration: COLOUR is invalid: "blue" is not a colour (got "blue")',
    );
  });
});
