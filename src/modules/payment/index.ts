import type { GatewayModule } from '../../graphql/module';
import { createPaymentLoaders } from './loaders';
import { paymentPermissions } from './permissions';
import { paymentResolvers } from './resolvers';

/**
 * Payments through the provider: confirming and refunding, the client secret,
 * the provider's webhook events (handled by src/http/webhooks/payments.ts
 * through ./events.ts). The `Payment` type itself belongs to the order module.
 */
export const paymentModule = {
  name: 'payment',
  resolvers: paymentResolvers,
  permissions: paymentPermissions,
  createLoaders: createPaymentLoaders,
  nodeTypes: {},
} satisfies GatewayModule;
