/**
 * The time every service reads, in epoch milliseconds, injected as CLOCK: logic never calls
 * Date.now() itself, so tests can set the time.
 */
export type Clock = () => number;
export const CLOCK = Symbol('CLOCK');
export const systemClock: Clock = () => Date.now();
