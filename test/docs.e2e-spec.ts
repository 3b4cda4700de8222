import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENV_VARIABLES } from '../src/server/config/server-settings.js';

// The schema is the source of truth; .env.example and docs/configuration.md must list all of it.
const root = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

describe('documentation of the configuration', () => {
  it.each(Object.entries(ENV_VARIABLES))('%s is in .env.example with its default and in the configuration table', (name, variable) => {
    const example = read('.env.example');
    const line = new RegExp(`^# ${name}=(.*)$`, 'm').exec(example);
    expect(line, `.env.example lacks ${name}`).not.toBeNull();
    expect(line![1]).toBe('default' in variable ? variable.default : '');
    expect(read('docs/configuration.md')).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
  });
});
