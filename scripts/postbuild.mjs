// tsc does not keep the executable bit; the CLI entry needs it for `npx mlp-energy`.
import { chmodSync, existsSync } from 'node:fs';
const cli = new URL('../dist/lib/cli/main.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
