/** What the gateway hands the development identity provider's worker when it starts it. */
export interface DevProviderWorkerData {
  clientId: string;
  clientSecret: string;
  /** The accounts its sign-in page offers with one click (the demo accounts). */
  accounts: ReadonlyArray<{ email: string; name: string }>;
  host: string;
  port: number;
}

/** Gateway → worker. */
export type ToDevProvider =
  /** The gateway's callback URL, known once it listens: the only redirect URI its client may use. */
  | { type: 'configure'; redirectUri: string }
  | { type: 'stop' };

/** Worker → gateway. */
export type FromDevProvider =
  | { type: 'listening'; issuer: string }
  | { type: 'configured' }
  | { type: 'stopped' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; details: Record<string, unknown> };
