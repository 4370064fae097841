import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyFile, loadMasterKey, MasterKey } from './secrets.ts';

const freshDir = () => mkdtempSync(join(tmpdir(), 'jeton-key-'));

describe('the data directory’s master key', () => {
  it('is made once, owner-only, with a warning, and read back at each later start', () => {
    const dir = join(freshDir(), 'data');
    const warnings: string[] = [];
    const made = loadMasterKey(undefined, dir, (m) => void warnings.push(m));
    const file = join(dir, 'master.key');
    expect(readFileSync(file, 'utf8')).toBe(`${made.toText()}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([`JETON_MASTER_KEY is not set: generated ${file}. Set JETON_MASTER_KEY in production.`]);
    expect(loadMasterKey(undefined, dir, (m) => void warnings.push(m)).toText()).toBe(made.toText());
    expect(warnings).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['master.key']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('is the first one put in place when processes make it together: a later one takes it, and leaves nothing aside', () => {
    const dir = freshDir();
    const file = join(dir, 'master.key');
    const first = MasterKey.generate();
    expect(createKeyFile(file, first).toText()).toBe(first.toText());
    expect(createKeyFile(file, MasterKey.generate()).toText()).toBe(first.toText());
    expect(readFileSync(file, 'utf8')).toBe(`${first.toText()}\n`);
    expect(readdirSync(dir)).toEqual(['master.key']);
  });

  it('comes from JETON_MASTER_KEY when it is set, and no file is made', () => {
    const dir = freshDir();
    const key = MasterKey.generate();
    expect(loadMasterKey(key.toText(), dir, () => undefined).toText()).toBe(key.toText());
    expect(readdirSync(dir)).toEqual([]);
  });
});
