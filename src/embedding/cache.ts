// Disk cache of knowledge-base embeddings, so a restart does not re-embed the knowledge base.
//
// Layout: <cacheDir>/<namespace>/<set>.emb, one "pack" file per embedMany() call's set of texts
// (in practice one per knowledge-base version), named by the SHA-256 of its sorted entry keys.
// An entry key is SHA-256(namespace + NUL + text); the namespace names the model and the hash of
// its weights, so other weights never reuse these vectors. A pack is looked up whole first; when
// the knowledge base changed, the vectors of unchanged texts are still found in older packs, so
// only new or edited texts go to the model.
//
// Bounded: the `maxPacks` most recently used packs are kept (a pack's mtime is refreshed when it
// is read), older ones are deleted after each write: disk use is at most maxPacks × one
// knowledge base (32 + 4·dimensions bytes a text: 2,080 bytes for a 512-float model).
//
// Safe with two processes: a pack is written to a unique temp file and renamed into place, so a
// reader sees a whole file or none; two writers of the same set write the same bytes. Packs that
// fail to parse are ignored. Customers' queries are never written here (see index.ts).
//
// Pack format (little-endian, as on every platform Node runs Rapport on): 'RPEM', u32 version,
// u32 dimensions, u32 count, count × 32-byte keys, count × dimensions float32.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';

const magic = 'RPEM';
const version = 1;
const headerBytes = 16;
const keyBytes = 32;
const staleTempMs = 60 * 60 * 1000;

export interface CacheLookup {
  /** Vectors found, by entry key (hex). */
  found: Map<string, Float32Array>;
  /** Packs read to find them. */
  packsRead: number;
}

export class EmbeddingCache {
  readonly dir: string;
  /** Writes or reads that failed (full disk, permissions): the embedder keeps working without the cache. */
  errors = 0;
  lastError: string | undefined;
  private readonly usable = endianness() === 'LE';

  constructor(
    cacheDir: string,
    readonly namespace: string,
    readonly dimensions: number,
    readonly maxPacks = 8,
  ) {
    this.dir = join(cacheDir, namespace.replace(/[^\w.-]/g, '_'));
  }

  key(text: string): string {
    return createHash('sha256').update(this.namespace).update('\0').update(text).digest('hex');
  }

  async lookup(keys: readonly string[]): Promise<CacheLookup> {
    const found = new Map<string, Float32Array>();
    if (!this.usable || keys.length === 0) return { found, packsRead: 0 };
    const wanted = new Set(keys);
    const exact = join(this.dir, `${packName(wanted)}.emb`);
    const candidates = [exact, ...(await this.packsByRecency()).filter((p) => p !== exact)];
    let packsRead = 0;
    for (const file of candidates) {
      if (found.size === wanted.size) break;
      const pack = await this.read(file);
      if (!pack) continue;
      packsRead++;
      let useful = false;
      for (let i = 0; i < pack.keys.length; i++) {
        const k = pack.keys[i] as string;
        if (wanted.has(k) && !found.has(k)) {
          found.set(k, pack.vectors.subarray(i * this.dimensions, (i + 1) * this.dimensions));
          useful = true;
        }
      }
      if (useful) await this.touch(file);
    }
    return { found, packsRead };
  }

  /** Writes the set (keys[i] ↔ row i of vectors) as one pack, then deletes the least recently used beyond maxPacks. */
  async store(keys: readonly string[], vectors: readonly Float32Array[]): Promise<void> {
    if (!this.usable || keys.length === 0) return;
    const unique = new Map<string, Float32Array>();
    keys.forEach((k, i) => {
      unique.set(k, vectors[i] as Float32Array);
    });
    const name = `${packName(new Set(unique.keys()))}.emb`;
    const d = this.dimensions;
    const buf = Buffer.alloc(headerBytes + unique.size * (keyBytes + 4 * d));
    buf.write(magic, 0, 'latin1');
    buf.writeUInt32LE(version, 4);
    buf.writeUInt32LE(d, 8);
    buf.writeUInt32LE(unique.size, 12);
    const floats = new Float32Array(unique.size * d);
    let i = 0;
    for (const [k, v] of unique) {
      buf.write(k, headerBytes + i * keyBytes, 'hex');
      floats.set(v, i * d);
      i++;
    }
    Buffer.from(floats.buffer).copy(buf, headerBytes + unique.size * keyBytes);
    try {
      await mkdir(this.dir, { recursive: true });
      const temp = join(this.dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      await writeFile(temp, buf);
      await rename(temp, join(this.dir, name));
      await this.prune();
    } catch (err) {
      this.noteError(err);
    }
  }

  private async read(file: string): Promise<{ keys: string[]; vectors: Float32Array } | undefined> {
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.noteError(err);
      return undefined;
    }
    if (buf.length < headerBytes || buf.toString('latin1', 0, 4) !== magic || buf.readUInt32LE(4) !== version) {
      return undefined;
    }
    const d = buf.readUInt32LE(8);
    const count = buf.readUInt32LE(12);
    if (d !== this.dimensions || buf.length !== headerBytes + count * (keyBytes + 4 * d)) return undefined;
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
      keys.push(buf.toString('hex', headerBytes + i * keyBytes, headerBytes + (i + 1) * keyBytes));
    }
    // Copied into a fresh, aligned buffer: readFile's Buffer may start at an odd offset.
    const vectors = new Float32Array(count * d);
    const start = headerBytes + count * keyBytes;
    new Uint8Array(vectors.buffer).set(buf.subarray(start, start + count * d * 4));
    return { keys, vectors };
  }

  private async packsByRecency(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const packs = await Promise.all(
      names
        .filter((n) => n.endsWith('.emb') && !n.startsWith('.'))
        .map(async (n) => {
          const file = join(this.dir, n);
          const s = await stat(file).catch(() => undefined);
          return { file, mtime: s?.mtimeMs ?? 0 };
        }),
    );
    return packs.sort((a, b) => b.mtime - a.mtime).map((p) => p.file);
  }

  private async touch(file: string): Promise<void> {
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
  }

  private async prune(): Promise<void> {
    const packs = await this.packsByRecency();
    for (const file of packs.slice(this.maxPacks)) await unlink(file).catch(() => undefined);
    // Temp files left by a process that died mid-write.
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const n of names.filter((x) => x.endsWith('.tmp'))) {
      const file = join(this.dir, n);
      const s = await stat(file).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > staleTempMs) await unlink(file).catch(() => undefined);
    }
  }

  private noteError(err: unknown): void {
    this.errors++;
    this.lastError = err instanceof Error ? err.message : String(err);
  }
}

function packName(keys: ReadonlySet<string>): string {
  const hash = createHash('sha256');
  for (const k of [...keys].sort()) hash.update(k);
  return hash.digest('hex');
}
