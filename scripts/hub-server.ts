/**
 * Serves a folder in the Hugging Face Hub's URL layout on 127.0.0.1, for e2e tests and manual use:
 *   npx tsx scripts/hub-server.ts --root DIR [--port 8765] [--redirect gpt2=openai-community/gpt2] [--quiet]
 * DIR holds `<repo>/<file>` or `<org>/<repo>/<file>`; point the app's hubUrl at the printed URL.
 */
import { parseArgs } from 'node:util';
import { startHubServer } from '../tests/support/hubServer.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    port: { type: 'string', default: '8765' },
    host: { type: 'string', default: '127.0.0.1' },
    redirect: { type: 'string', multiple: true, default: [] },
    quiet: { type: 'boolean', default: false },
  },
});

if (!values.root) {
  process.stderr.write(
    'usage: npx tsx scripts/hub-server.ts --root DIR [--port 8765] [--redirect from=to ...] [--quiet]\n',
  );
  process.exit(2);
}
const redirects: Record<string, string> = {};
for (const pair of values.redirect) {
  const [from, to] = pair.split('=');
  if (!from || !to) {
    process.stderr.write(`--redirect expects from=to, got ${pair}\n`);
    process.exit(2);
  }
  redirects[from] = to;
}

const server = await startHubServer({
  root: values.root,
  port: Number(values.port),
  host: values.host,
  redirects,
  log: !values.quiet,
});
process.stdout.write(`Hub server: ${server.url} serving ${values.root}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close().then(() => process.exit(0));
  });
}
