/** Injection tokens of the gateway. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const JWT_KEYRING = Symbol('JWT_KEYRING');
/** The one clock token of every app, re-exported for the modules that import their tokens from here. */
export { CLOCK } from '@vigil/runtime';
