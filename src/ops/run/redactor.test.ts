import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Redactor, redactionForms } from './redactor.js';

async function through(r: Redactor, chunks: Array<string | Buffer>): Promise<string> {
  const out: Buffer[] = [];
  const t = r.stream();
  t.on('data', (d: Buffer) => out.push(d));
  await new Promise<void>((resolve, reject) => {
    Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)))
      .pipe(t)
      .on('end', resolve)
      .on('error', reject);
  });
  return Buffer.concat(out).toString('utf8');
}

const SECRET = 'sk-or-v1-Zm9vYmFyYmF6';

describe('redaction', () => {
  const r = new Redactor(new Map([['OPENROUTER_API_KEY', SECRET], ['SHORT', 'abc12'], ['PW', 'pä ss/wörd+=&?']]));

  it('replaces a value, also when it spans chunk boundaries at every split', async () => {
    const text = `key=${SECRET}\n`;
    for (let i = 0; i <= text.length; i++) {
      expect(await through(r, [text.slice(0, i), text.slice(i)])).toBe('key=[keyfold:OPENROUTER_API_KEY]\n');
    }
    const bytes = Buffer.from(`x${SECRET}y`);
    expect(await through(r, [...bytes].map((b) => Buffer.from([b])))).toBe('x[keyfold:OPENROUTER_API_KEY]y');
  });

  it('replaces base64 at all three alignments and URL-encoded forms', async () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const b64 = Buffer.from(prefix + SECRET + 'tail').toString('base64');
      expect(await through(r, [b64])).toContain('[keyfold:OPENROUTER_API_KEY]');
      const url = Buffer.from(prefix + SECRET + 'tail').toString('base64url');
      expect(await through(r, [url])).toContain('[keyfold:OPENROUTER_API_KEY]');
    }
    expect(await through(r, [`q=${encodeURIComponent('pä ss/wörd+=&?')}`])).toBe('q=[keyfold:PW]');
    expect(await through(r, [`q=${new URLSearchParams({ q: 'pä ss/wörd+=&?' }).toString().slice(2)}`])).toBe('q=[keyfold:PW]');
  });

  it('leaves values shorter than 6 characters alone, and other output unchanged', async () => {
    expect(await through(r, ['abc12 is short; ünïcödé stays\n'])).toBe('abc12 is short; ünïcödé stays\n');
    expect(redactionForms('abc12')).toEqual([]);
  });

  it('never lets a value through, whatever the chunking (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.array(fc.nat(80), { maxLength: 6 }), async (before, after, cuts) => {
        const text = before + SECRET + after;
        const bytes = Buffer.from(text, 'utf8');
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(bytes.subarray(last, p));
          last = p;
        }
        chunks.push(bytes.subarray(last));
        const out = await through(r, chunks);
        expect(out).not.toContain(SECRET);
        expect(out).toContain('[keyfold:OPENROUTER_API_KEY]');
      }),
      { numRuns: 200 },
    );
  });
});
