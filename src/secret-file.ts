// Secrets Rapport generates for itself on the first start and keeps in DATA_DIR, readable by
// its owner only (0600), so a restart finds the same one.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredSecret {
  value: string;
  /** True when this call generated it. */
  generated: boolean;
  path: string;
}

/** The secret saved in `dataDir/fileName`, or a new random one saved there (a saved one shorter than 16 is replaced). */
export function readOrCreateSecret(dataDir: string, fileName: string): StoredSecret {
  const path = join(dataDir, fileName);
  if (existsSync(path)) {
    const saved = readFileSync(path, 'utf8').trim();
    if (saved.length >= 16) return { value: saved, generated: false, path };
  }
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(24).toString('base64url');
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { value, generated: true, path };
}
