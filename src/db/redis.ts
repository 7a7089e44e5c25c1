import type Redis from 'ioredis';

/** How long `closeRedis` waits for Redis to acknowledge QUIT before dropping the connection. */
const QUIT_TIMEOUT_MS = 2_000;

/**
 * Closes an ioredis connection without hanging a shutdown: QUIT when it is
 * connected, bounded by a timeout; otherwise (never connected, or
 * reconnecting during an outage) the connection is simply dropped.
 */
export async function closeRedis(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status !== 'ready') return connection.disconnect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => resolve(connection.disconnect()), QUIT_TIMEOUT_MS);
  });
  try {
    await Promise.race([connection.quit().then(() => undefined, () => connection.disconnect()), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
