import { describe, expect, it } from 'vitest';
import { parseKeyfoldConfig } from '../../config/keyfold-config.js';
import { renderSyncImpact } from '../../core/sync-impact.js';
import { syncImpact } from './impact.js';

const config = parseKeyfoldConfig(`environments: [dev, prod]
targets:
  api-prod: { type: k8s, namespace: prod, name: api, out: ../run }
  web-prod: { type: dotenv, path: ../run/web.env }
  shared-prod: { type: dotenv, path: ../run/shared.env }
  api-dev: { type: dotenv, path: ../run/api.dev.env }
services:
  api:
    imports: ["providers/**", "api/**"]
    targets: { prod: [api-prod, shared-prod], dev: [api-dev] }
  web:
    imports: ["providers/openai", "web/**"]
    targets: { prod: [web-prod, shared-prod] }
  docs:
    imports: ["providers/**"]
`);
const refs = ['dev/providers/openai', 'prod/providers/openai', 'prod/providers/anthropic', 'prod/api/db', 'prod/web/cdn'];
const code = (s: string) => '`' + s + '`';

describe('syncImpact: the services and targets a merge syncs, by the sync engine’s rules', () => {
  it('follows imports in the changed ref’s environment only, and a target’s services', () => {
    const i = syncImpact(config, ['prod/providers/openai'], refs);
    expect(i.services).toEqual([
      { service: 'api', env: 'prod', refs: ['prod/providers/openai'], targets: ['api-prod', 'shared-prod'] },
      { service: 'web', env: 'prod', refs: ['prod/providers/openai'], targets: ['web-prod', 'shared-prod'] },
      { service: 'docs', env: 'prod', refs: ['prod/providers/openai'], targets: [] },
    ]);
    expect(i.targets).toEqual([
      { target: 'api-prod', type: 'k8s', env: 'prod', services: ['api'] },
      { target: 'shared-prod', type: 'dotenv', env: 'prod', services: ['api', 'web'] },
      { target: 'web-prod', type: 'dotenv', env: 'prod', services: ['web'] },
    ]);
    expect(renderSyncImpact(i, code).join('\n')).toContain('update 3 targets (2 `dotenv`, 1 `k8s`) of 3 services');
  });

  it('a ref only one service imports; a deleted ref still counts; dev syncs dev’s targets', () => {
    expect(syncImpact(config, ['prod/providers/anthropic'], refs).targets.map((t) => t.target)).toEqual(['api-prod', 'shared-prod']);
    expect(syncImpact(config, ['prod/web/gone'], refs).targets.map((t) => t.target)).toEqual(['shared-prod', 'web-prod']);
    expect(syncImpact(config, ['dev/providers/openai'], refs).targets).toEqual([{ target: 'api-dev', type: 'dotenv', env: 'dev', services: ['api'] }]);
    const none = syncImpact(config, ['prod/other/x'], refs);
    expect(none).toEqual({ services: [], targets: [] });
    expect(renderSyncImpact(none, code).join('\n')).toContain('a merge syncs nothing');
  });

  it('an invalid target configuration is a problem to show, not a failure', () => {
    const bad = parseKeyfoldConfig(`environments: [prod]
targets:
  x: { type: nosuch }
services:
  api: { imports: ["**"], targets: { prod: [x] } }
`);
    const i = syncImpact(bad, ['prod/a/b'], []);
    expect(i.problem).toMatch(/unknown type nosuch/);
    expect(i.services).toHaveLength(1);
    expect(renderSyncImpact(i, code).join('\n')).toContain('The targets could not be resolved');
  });
});
