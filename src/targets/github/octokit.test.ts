/** The GitHub token goes only to an API address that keeps it out of clear text on a network. */
import { describe, expect, it } from 'vitest';
import { createHttp } from '../../net/http.js';
import { GitHubSchema } from './github.js';
import { newOctokit } from './octokit.js';

describe('GitHub API address', () => {
  it('newOctokit refuses plain http to another machine, credentials or a query in the URL, before any request', async () => {
    const http = createHttp();
    for (const url of ['http://ghe.example.com/api/v3', 'https://user:pw@ghe.example.com/api/v3', 'https://ghe.example.com/api/v3?x=1', 'ftp://ghe.example.com']) {
      await expect(newOctokit('ghp_token', url, http), url).rejects.toThrow(/^GitHub API address /);
    }
    for (const url of [undefined, 'https://ghe.example.com/api/v3', 'http://127.0.0.1:8080', 'http://localhost:3000/']) {
      await expect(newOctokit('ghp_token', url, http), String(url)).resolves.toBeDefined();
    }
  });

  it("a github target's api_url follows the same rule in keyfold.yaml", () => {
    const entry = (api_url: string) => GitHubSchema.safeParse({ type: 'github', repo: 'acme/api', api_url }).success;
    expect(entry('https://ghe.example.com/api/v3')).toBe(true);
    expect(entry('http://127.0.0.1:9999')).toBe(true);
    expect(entry('http://ghe.example.com/api/v3')).toBe(false);
  });
});
