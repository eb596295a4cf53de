/** Injection tokens of the user service. */
export const USER_CONFIG = Symbol('USER_CONFIG');
export const JWT_KEYRING = Symbol('JWT_KEYRING');
/** `() => Date`: the clock the services read (a provider, so the logic never calls Date.now() directly). */
export const CLOCK = Symbol('CLOCK');
export type Clock = () => Date;
