import { definePersistence } from '@vigil/persistence';

/**
 * The tables the user service owns, with their committed migrations per dialect. The shared inbox
 * (handled envelope ids) is added by @vigil/persistence.
 */
export const persistence = definePersistence('user');
