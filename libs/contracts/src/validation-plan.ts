import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';

/**
 * A yes-only fast path for class-validator: `surelyValid(instance)` answers true only when
 * `validateSync(instance, { forbidUnknownValues: false })` would return no error, and false when it
 * might return one (then the caller runs `validateSync` for the messages).
 *
 * Every consumer validates every message it takes, and class-validator spends most of a call on its
 * own bookkeeping, not on the checks: it looks the class's rules up again each time (walking every
 * registered class for inherited ones), groups them by property and builds an error object per
 * property. Here the rules of each class are looked up once, through class-validator's own storage,
 * and each check is the decorator's own constraint (`isUUID`, `maxLength`, a custom validator…) called
 * with the same arguments, in the executor's order: a property's conditions (`@IsOptional`,
 * `@ValidateIf`) first, then its constraints (`each` over arrays, sets and maps), then `@ValidateNested`
 * by the value's own class. A class with a rule of any other kind (`@IsDefined`, `@ValidatePromise`,
 * whitelisting) has no plan, and a constraint that answers with a promise (ignored by `validateSync`)
 * makes this say false: both leave the answer to class-validator.
 */
export function surelyValid(instance: object): boolean {
  const check = planOf(instance.constructor);
  return check !== undefined && check(instance as Record<string, unknown>);
}

type Check = (object: Record<string, unknown>) => boolean;

interface Validator {
  validate(value: unknown, args: ValidationArguments): unknown;
}

interface Constraint {
  each: boolean;
  constraints: unknown[];
  validateIf?: (object: object, value: unknown) => boolean;
  validators: Validator[];
}

interface PropertyRules {
  property: string;
  conditions: ((object: object, value: unknown) => boolean)[];
  constraints: Constraint[];
  nested: boolean;
}

/** Minimal view of class-validator's ValidationMetadata (its type is not exported from the package root). */
interface RuleMetadata {
  type: string;
  propertyName: string;
  constraints: unknown[];
  constraintCls: new (...args: unknown[]) => unknown;
  each?: boolean;
  validateIf?: (object: object, value: unknown) => boolean;
}

const SUPPORTED: ReadonlySet<string> = new Set([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
  ValidationTypes.CONDITIONAL_VALIDATION,
]);

/** A class's check, or undefined when it has none (or is not a class). */
const plans = new Map<unknown, Check | undefined>();

function planOf(ctor: unknown): Check | undefined {
  if (plans.has(ctor)) return plans.get(ctor);
  const check = typeof ctor === 'function' ? compile(ctor as new () => object) : undefined;
  plans.set(ctor, check);
  return check;
}

function compile(ctor: new () => object): Check | undefined {
  const storage = getMetadataStorage();
  // Rules registered under a schema name rather than a class would change what the executor looks up
  // for a nested object (it passes the parent's name as the schema): leave those to class-validator.
  const registered = (storage as unknown as { validationMetadatas: Map<unknown, unknown> }).validationMetadatas;
  if (!(registered instanceof Map) || [...registered.keys()].some((key) => typeof key === 'string')) return undefined;
  // The arguments `validateSync` passes with no groups, `always` or `strictGroups`.
  const metadatas = storage.getTargetValidationMetadatas(
    ctor,
    undefined as unknown as string,
    false,
    false,
    undefined,
  ) as unknown as RuleMetadata[];
  if (metadatas.some((metadata) => !SUPPORTED.has(metadata.type))) return undefined;
  const grouped = storage.groupByPropertyName(metadatas as never) as unknown as Record<string, RuleMetadata[]>;
  const rules: PropertyRules[] = Object.keys(grouped).map((property) => {
    const list = grouped[property]!;
    return {
      property,
      conditions: list
        .filter((metadata) => metadata.type === ValidationTypes.CONDITIONAL_VALIDATION)
        .map((metadata) => metadata.constraints[0] as (object: object, value: unknown) => boolean),
      constraints: list
        .filter((metadata) => metadata.type === ValidationTypes.CUSTOM_VALIDATION)
        .map((metadata) => ({
          each: metadata.each === true,
          constraints: metadata.constraints,
          validateIf: metadata.validateIf,
          // validateSync skips asynchronous constraints.
          validators: storage
            .getTargetValidatorConstraints(metadata.constraintCls)
            .filter((constraint) => !constraint.async)
            .map((constraint) => constraint.instance as Validator),
        })),
      nested: list.some((metadata) => metadata.type === ValidationTypes.NESTED_VALIDATION),
    };
  });
  const targetName = ctor.name;
  return (object) => {
    for (const rule of rules) {
      const value = object[rule.property];
      if (!rule.conditions.every((condition) => condition(object, value))) continue;
      for (const constraint of rule.constraints) {
        if (constraint.validateIf && !constraint.validateIf(object, value)) continue;
        const args: ValidationArguments = {
          targetName,
          property: rule.property,
          object,
          value,
          constraints: constraint.constraints,
        };
        const items = constraint.each ? arrayLike(value) : undefined;
        for (const validator of constraint.validators) {
          if (items) {
            for (const item of items) if (!holds(validator.validate(item, args))) return false;
          } else if (!holds(validator.validate(value, args))) return false;
        }
      }
      if (rule.nested && !nestedHolds(value)) return false;
    }
    return true;
  };
}

/** A constraint's answer counts only when it is synchronous and truthy. */
function holds(answer: unknown): boolean {
  return Boolean(answer) && typeof (answer as { then?: unknown }).then !== 'function';
}

/** The elements `each` and `@ValidateNested` go through: an array's, a set's, a map's values. */
function arrayLike(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value instanceof Set || value instanceof Map) return [...value.values()];
  return undefined;
}

function nestedHolds(value: unknown): boolean {
  if (value === undefined) return true;
  const items = arrayLike(value);
  if (items) {
    for (const item of items) if (!nestedHolds(item)) return false;
    return true;
  }
  if (!(value instanceof Object)) return false;
  const check = planOf(value.constructor);
  return check !== undefined && check(value as Record<string, unknown>);
}
