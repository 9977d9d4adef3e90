// ADMIN_TOKEN, or one generated on first start and kept in the data directory.
import { readOrCreateSecret } from './secret-file.js';

export interface AdminToken {
  token: string;
  /** True when this start generated it (the caller prints it once). */
  generated: boolean;
  path?: string;
}

export function resolveAdminToken(configured: string | undefined, dataDir: string): AdminToken {
  if (configured) return { token: configured, generated: false };
  const { value, generated, path } = readOrCreateSecret(dataDir, 'admin-token');
  return { token: value, generated, path };
}
