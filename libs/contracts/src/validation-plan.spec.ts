import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import {
  getMetadataStorage,
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  Validate,
  ValidateIf,
  ValidateNested,
  validateSync,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { PAYLOAD_CLASSES } from './registry.js';
import { surelyValid } from './validation-plan.js';

const agrees = (instance: object) => validateSync(instance, { forbidUnknownValues: false }).length === 0;

/** Both answers for one instance: the fast path's, and class-validator's. */
const both = (instance: object) => ({ fast: surelyValid(instance), classValidator: agrees(instance) });

class Leaf {
  @IsInt()
  @Min(1)
  n!: number;
}

class Parent {
  @IsString()
  @MaxLength(5)
  name!: string;

  @IsOptional()
  @IsString({ each: true })
  tags?: unknown;

  @ValidateIf((object: Parent) => object.name === 'check')
  @IsInt()
  conditional?: unknown;

  @IsOptional()
  @ValidateNested()
  @Type(() => Leaf)
  leaf?: unknown;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Leaf)
  leaves?: unknown;
}

class Child extends Parent {
  // Overrides the parent's MaxLength(5) rule of the same kind (class-validator keeps the child's).
  @MaxLength(10)
  declare name: string;
}

@ValidatorConstraint({ name: 'even' })
class Even implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return typeof value === 'number' && value % 2 === 0;
  }
}

@ValidatorConstraint({ name: 'slowEven', async: true })
class SlowEven implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return Promise.resolve(typeof value === 'number' && value % 2 === 0);
  }
}

class WithConstraintCondition {
  @IsString()
  kind!: string;

  // This one constraint applies only to kind "count" (class-validator's per-constraint validateIf).
  @Min(10, { validateIf: (object: WithConstraintCondition) => object.kind === 'count' })
  value!: unknown;
}

class WithCustom {
  @Validate(Even)
  value!: unknown;
}

class WithAsync {
  @Validate(SlowEven)
  value!: unknown;
}

class WithDefined {
  @IsDefined()
  value!: unknown;
}

const parent = (plain: object) => plainToInstance(Parent, plain);

describe('the validation fast path (surelyValid)', () => {
  it('says yes exactly when class-validator finds nothing, case by case', () => {
    const cases: [string, object][] = [
      ['valid', parent({ name: 'ok' })],
      ['too long', parent({ name: 'toolong' })],
      ['missing required', parent({})],
      ['optional null', parent({ name: 'ok', tags: null })],
      ['each over an array', parent({ name: 'ok', tags: ['a', 'b'] })],
      ['each: one element wrong', parent({ name: 'ok', tags: ['a', 1] })],
      ['each over a set', Object.assign(parent({ name: 'ok' }), { tags: new Set(['a', 'b']) })],
      ['each over a set, one wrong', Object.assign(parent({ name: 'ok' }), { tags: new Set(['a', 2]) })],
      ['each over a map, one wrong', Object.assign(parent({ name: 'ok' }), { tags: new Map([['k', 3]]) })],
      ['each on a non-array', parent({ name: 'ok', tags: 'a' })],
      ['ValidateIf false skips', parent({ name: 'ok', conditional: 'x' })],
      ['ValidateIf true checks', parent({ name: 'check', conditional: 'x' })],
      ['ValidateIf true, valid', parent({ name: 'check', conditional: 3 })],
      ['nested valid', parent({ name: 'ok', leaf: { n: 2 } })],
      ['nested invalid', parent({ name: 'ok', leaf: { n: 0 } })],
      ['nested a primitive', parent({ name: 'ok', leaf: 5 })],
      ['nested array valid', parent({ name: 'ok', leaves: [{ n: 1 }, { n: 2 }] })],
      ['nested array, one invalid', parent({ name: 'ok', leaves: [{ n: 1 }, { n: -1 }] })],
      ['nested array holding a primitive', parent({ name: 'ok', leaves: [{ n: 1 }, 'x'] })],
      ['nested array of arrays', parent({ name: 'ok', leaves: [[{ n: 1 }], [{ n: 0 }]] })],
      ['inherited rule overridden: 7 chars', plainToInstance(Child, { name: 'sevenxx' })],
      ['inherited rule overridden: 11 chars', plainToInstance(Child, { name: 'elevenxxxxx' })],
      ['inherited nested rule', plainToInstance(Child, { name: 'ok', leaf: { n: 0 } })],
      ['constraint condition false', Object.assign(new WithConstraintCondition(), { kind: 'other', value: 1 })],
      ['constraint condition true', Object.assign(new WithConstraintCondition(), { kind: 'count', value: 1 })],
      ['custom constraint, holds', Object.assign(new WithCustom(), { value: 4 })],
      ['custom constraint, fails', Object.assign(new WithCustom(), { value: 3 })],
      ['a class without rules', { anything: 1 }],
    ];
    for (const [what, instance] of cases)
      expect([what, both(instance)]).toEqual([what, { fast: agrees(instance), classValidator: agrees(instance) }]);
    // The cases cover both answers.
    expect(cases.filter(([, instance]) => agrees(instance)).length).toBe(13);
  });

  it('skips asynchronous constraints as validateSync does, and leaves other kinds of rule to class-validator', () => {
    // validateSync ignores an asynchronous constraint: both say valid.
    expect(both(Object.assign(new WithAsync(), { value: 3 }))).toEqual({ fast: true, classValidator: true });
    // @IsDefined is a kind of rule the fast path does not plan: it says no, which only means "ask
    // class-validator", whatever the value.
    expect(both(Object.assign(new WithDefined(), { value: 1 }))).toEqual({ fast: false, classValidator: true });
    expect(both(new WithDefined())).toEqual({ fast: false, classValidator: false });
  });

  it('agrees with class-validator on every registered payload class, over seeded random objects', () => {
    const random = mulberry32(20261203);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    let valid = 0;
    let checked = 0;
    const disagreements: string[] = [];
    for (const [key, cls] of Object.entries(PAYLOAD_CLASSES)) {
      const pools = poolsOf(cls);
      for (let i = 0; i < 200; i++) {
        const plain = randomObject(cls, pools, pick, random, 0);
        const instance = plainToInstance(cls, plain);
        const answer = both(instance);
        checked++;
        if (answer.classValidator) valid++;
        // Classes with a plan must agree both ways; none of the contracts is left without one.
        if (answer.fast !== answer.classValidator)
          disagreements.push(`${key} (${cls.name}): ${JSON.stringify(answer)} for ${JSON.stringify(plain)}`);
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    expect(checked).toBe(Object.keys(PAYLOAD_CLASSES).length * 200);
    // Both answers are well represented, so neither direction is checked vacuously.
    expect(valid).toBeGreaterThan(checked / 10);
    expect(checked - valid).toBeGreaterThan(checked / 10);
  });
});

// ---- random objects shaped like a class --------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RuleView {
  type: string;
  name?: string;
  propertyName: string;
  constraints?: unknown[];
}

/** Values that satisfy, or nearly satisfy, common contract rules. */
const GENERIC: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'alert.created',
  'KubePodCrashLooping',
  'admin@vigil.local',
  'Europe/Paris',
  '7d',
  'https://example.com/runbook',
  '2026-12-03T09:00:00.123456Z',
  '2026-12-03T09:00:00Z',
  '01a23b36-edb4-7461-8532-8775ff72523d',
  '3b241101-e2bb-4255-8caf-4136c566a962',
  'not-a-uuid',
  'a'.repeat(300),
  0,
  1,
  7,
  -1,
  2.5,
  10_000,
  true,
  false,
  [],
  ['a', 'b'],
  [{ a: 1 }],
  {},
  { a: 'b' },
];

/** Per property: the values to try, led by those the class's own rules name (IsIn lists, lengths). */
function poolsOf(cls: new () => object): Map<string, unknown[]> {
  const rules = getMetadataStorage().getTargetValidationMetadatas(
    cls,
    undefined as unknown as string,
    false,
    false,
    undefined,
  ) as unknown as RuleView[];
  const pools = new Map<string, unknown[]>();
  for (const rule of rules) {
    const pool = pools.get(rule.propertyName) ?? [...GENERIC];
    const first = rule.constraints?.[0];
    if (rule.name === 'isIn' && Array.isArray(first)) pool.push(...first, ...first, [first[0]]);
    if ((rule.name === 'maxLength' || rule.name === 'minLength') && typeof first === 'number')
      pool.push('b'.repeat(first), 'b'.repeat(first + 1), 'b'.repeat(Math.max(first - 1, 0)));
    if ((rule.name === 'min' || rule.name === 'max') && typeof first === 'number')
      pool.push(first, first - 1, first + 1);
    if (rule.name === 'arrayMaxSize' && typeof first === 'number')
      pool.push(Array.from({ length: first + 1 }, (_, i) => `v${i}`));
    pools.set(rule.propertyName, pool);
  }
  return pools;
}

function randomObject(
  cls: new () => object,
  pools: Map<string, unknown[]>,
  pick: <T>(items: readonly T[]) => T,
  random: () => number,
  depth: number,
): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [property, pool] of pools) {
    const nestedType = nestedTypeOf(cls, property);
    if (nestedType && depth < 3 && random() < 0.6) {
      const nested = () => randomObject(nestedType, poolsOf(nestedType), pick, random, depth + 1);
      plain[property] = random() < 0.5 ? nested() : [nested(), nested()];
      continue;
    }
    const value = pick(pool);
    if (value !== undefined) plain[property] = value;
  }
  return plain;
}

function nestedTypeOf(cls: new () => object, property: string): (new () => object) | undefined {
  return defaultMetadataStorage.findTypeMetadata(cls, property)?.typeFunction() as (new () => object) | undefined;
}
