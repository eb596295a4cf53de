import type { ServicePersistence } from '@vigil/persistence';
import { persistence as agentRunner } from '../../agent-runner/src/persistence.js';
import { persistence as alert } from '../../alert/src/persistence.js';
import { persistence as history } from '../../history/src/persistence.js';
import { persistence as notification } from '../../notification/src/persistence.js';
import { persistence as user } from '../../user/src/persistence.js';

/**
 * The tables of every service with a database, handed to the migration tools, which run outside any
 * service. Only the persistence modules are imported, so the tools load no service code.
 */
export const ALL_PERSISTENCE: readonly ServicePersistence[] = [user, alert, agentRunner, history, notification];
