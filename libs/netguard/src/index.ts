export { isPublicAddress, parseAllowedCidrs, type Cidr } from './address.js';
export {
  AddressRefusedError,
  ResolveError,
  rangeNameOf,
  resolvePublic,
  type CheckedAddress,
  type LookupAll,
  type ResolveOptions,
} from './resolve.js';
export { guardedFetch, guardedLookup } from './guarded-fetch.js';
