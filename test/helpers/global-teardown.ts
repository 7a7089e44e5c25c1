import { removeTemplate } from './test-database';

export default async function globalTeardown(): Promise<void> {
  await removeTemplate();
}
