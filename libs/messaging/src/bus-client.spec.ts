import { RoutingKeys } from '@vigil/contracts';
import { pino } from 'pino';
import type { MessageBroker } from './broker.js';
import { VigilBusClient } from './bus-client.js';
import { InvalidMessageError } from './errors.js';

/** A connected broker that records what it is asked to publish. */
function recordingBroker(): { broker: MessageBroker; published: string[] } {
  const published: string[] = [];
  const broker = {
    isConnected: () => true,
    connect: async () => undefined,
    publish: async (routingKey: string) => {
      published.push(routingKey);
    },
  } as unknown as MessageBroker;
  return { broker, published };
}

const logger = pino({ level: 'silent' });
const revoked = { kind: 'user', id: '0190d5a4-0000-7000-8000-000000000001' };

describe('VigilBusClient outgoing checks', () => {
  it('always refuses an unknown routing key, a bad tenant or a payload that is not an object, sending nothing', async () => {
    const { broker, published } = recordingBroker();
    const client = new VigilBusClient(broker, { service: 'user', logger });
    await expect(client.publish('no.such.event', { tenantId: 't1', payload: {} })).rejects.toThrow(
      'invalid no.such.event message: type: unknown routing key or RPC pattern "no.such.event"',
    );
    await expect(client.publish(RoutingKeys.AuthCredentialRevoked, { tenantId: '', payload: revoked })).rejects.toThrow(
      'tenantId: must be a non-empty string of at most 64 characters',
    );
    await expect(
      client.publish(RoutingKeys.AuthCredentialRevoked, { tenantId: 't1', payload: [] as unknown as object }),
    ).rejects.toThrow('payload: must be a JSON object');
    expect(published).toEqual([]);
  });

  it("leaves the payload's contract to the consumer by default (validateOutgoing off)", async () => {
    const { broker, published } = recordingBroker();
    const client = new VigilBusClient(broker, { service: 'user', logger });
    await client.publish(RoutingKeys.AuthCredentialRevoked, { tenantId: 't1', payload: { kind: 'nobody' } });
    expect(published).toEqual([RoutingKeys.AuthCredentialRevoked]);
  });

  it("checks the payload's contract at the producer with validateOutgoing, naming the bad field", async () => {
    const { broker, published } = recordingBroker();
    const client = new VigilBusClient(broker, { service: 'user', logger, validateOutgoing: true });
    const failure = client.publish(RoutingKeys.AuthCredentialRevoked, { tenantId: 't1', payload: { kind: 'nobody' } });
    await expect(failure).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(failure).rejects.toThrow(/payload\.kind/);
    await client.publish(RoutingKeys.AuthCredentialRevoked, { tenantId: 't1', payload: revoked });
    expect(published).toEqual([RoutingKeys.AuthCredentialRevoked]);
  });
});
