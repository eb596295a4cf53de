// Integration tests start services and sign in: each password hash or check is a scrypt at
// N = 2^17 (128 MiB, up to a second on a busy machine), so Jest's 5 s default is too short for a
// set-up that signs in a few users. A test or hook may still set its own. (Jest reads
// `testTimeout` from the global configuration only, not per project.)
import { jest } from '@jest/globals';

jest.setTimeout(30_000);
