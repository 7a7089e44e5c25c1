import { PaymentProviderError, type PaymentIntent, type PaymentProvider } from '../integrations/payments/client';
import { PROVIDER_CALL_OUTCOMES, type Metrics, type ProviderCallOutcome } from './metrics';

function outcomeOf(error: unknown): ProviderCallOutcome {
  if (!(error instanceof PaymentProviderError)) return 'unavailable';
  if (error.reason === 'circuit_open') return 'circuit_open';
  return error.kind;
}

/**
 * The same provider, its calls counted by operation and outcome (after the
 * client's own retries: one call, one count) and its circuit's state read at
 * every scrape. Wrapping the client rather than hooking into it counts a
 * provider passed in from outside (tests, another runtime) the same way.
 */
export function countedPaymentProvider(provider: PaymentProvider, metrics: Metrics): PaymentProvider {
  const operations = ['createIntent', 'confirmIntent', 'retrieveIntent', 'refundIntent'] as const;
  for (const operation of operations) for (const outcome of PROVIDER_CALL_OUTCOMES) metrics.providerCall(operation, outcome, 0);
  metrics.watchCircuit(() => provider.circuitState());

  const counted = async (operation: (typeof operations)[number], call: () => Promise<PaymentIntent>): Promise<PaymentIntent> => {
    try {
      const intent = await call();
      metrics.providerCall(operation, 'ok');
      return intent;
    } catch (error) {
      metrics.providerCall(operation, outcomeOf(error));
      throw error;
    }
  };
  return {
    createIntent: (input, key) => counted('createIntent', () => provider.createIntent(input, key)),
    confirmIntent: (id, input, key) => counted('confirmIntent', () => provider.confirmIntent(id, input, key)),
    retrieveIntent: (id) => counted('retrieveIntent', () => provider.retrieveIntent(id)),
    refundIntent: (id, input, key) => counted('refundIntent', () => provider.refundIntent(id, input, key)),
    circuitState: () => provider.circuitState(),
  };
}
