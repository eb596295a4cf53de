/** Injection tokens of the user service. */
export const USER_CONFIG = Symbol('USER_CONFIG');
export const JWT_KEYRING = Symbol('JWT_KEYRING');
