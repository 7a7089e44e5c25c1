import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * oidc-provider's storage (interactions, sessions, grants, codes, tokens) in
 * memory: the development provider forgets everything when it stops, which is
 * what it is for. One store per process, keyed by model name and id.
 */
const store = new Map<string, Entry>();

function live(key: string): AdapterPayload | undefined {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.payload;
}

/** Entries expire when read; a long-running provider also drops the expired ones it never reads again. */
const SWEEP_ABOVE = 10_000;

function sweep(): void {
  const now = Date.now();
  for (const [key, entry] of store) if (entry.expiresAt <= now) store.delete(key);
}

export class MemoryAdapter implements Adapter {
  constructor(private readonly model: string) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    if (store.size > SWEEP_ABOVE) sweep();
    store.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
    if (payload.uid) store.set(`${this.model}:uid:${payload.uid}`, { payload: { jti: id }, expiresAt: Date.now() + expiresIn * 1000 });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return live(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const pointer = live(`${this.model}:uid:${uid}`);
    return pointer?.jti ? this.find(pointer.jti) : undefined;
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = live(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
  }
}
