// The log writer behind stdout: a reader that went away or stopped reading never blocks or hangs us.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogWriter } from '../src/logger.js';

describe('LogWriter', () => {
  it('writes every line, in order, and flush resolves once they are out', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rapport-log-')), 'out.log');
    const fd = openSync(path, 'w');
    const writer = new LogWriter(fd);
    for (let i = 0; i < 1000; i++) writer.write(`{"n":${i}}\n`);
    await writer.flush(5000);
    closeSync(fd);
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1000);
    expect(lines.at(-1)).toBe('{"n":999}');
  });

  it('drops lines quietly once the reader of its pipe has gone away', async () => {
    // A child whose stdout we write to through its stdin pipe: closing the child closes the reader.
    const reader = spawn(process.execPath, ['-e', 'process.stdin.once("data", () => process.exit(0))'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const writer = new LogWriter(fd);
    writer.write('first\n');
    await new Promise((resolve) => reader.on('exit', resolve));
    for (let i = 0; i < 100 && !writer.broken; i++) {
      writer.write('after the reader left\n');
      await writer.flush(1000);
    }
    expect(writer.broken).toBe(true);
    expect(() => writer.write('more\n')).not.toThrow();
    await writer.flush(1000);
    reader.stdin?.destroy();
  });

  it('keeps at most its limit for a reader that stopped reading, without blocking, and says what it dropped', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rapport-log-')), 'slow.log');
    // The child reads nothing for a while (the pipe fills up), then copies everything to a file.
    const reader = spawn(
      process.execPath,
      ['-e', `setTimeout(() => process.stdin.pipe(require('fs').createWriteStream(${JSON.stringify(path)})), 1500)`],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const writer = new LogWriter(fd, 64 * 1024);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 2000; i++) writer.write(line);
    // While nobody reads, flush gives up after its time instead of waiting (or blocking this loop).
    await writer.flush(200);
    expect(existsSync(path)).toBe(false); // the reader has not started reading yet
    await writer.flush(20_000);
    reader.stdin?.end();
    await new Promise((resolve) => reader.on('exit', resolve));
    const written = readFileSync(path, 'utf8').split('\n');
    expect(written.some((l) => l.includes('log line(s) dropped'))).toBe(true);
    const kept = written.filter((l) => l.startsWith('x')).length;
    expect(kept).toBeGreaterThan(0);
    // The limit (64 lines of 1 KiB) plus what the pipe itself held.
    expect(kept).toBeLessThan(300);
    expect(writer.broken).toBe(false);
  });
});
