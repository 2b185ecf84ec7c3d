// A workspace package's npm pack/publish hooks, run in the package's folder as `prepack` and `postpack`.
// prepack: the packed package.json loses its "development" export conditions (they point at TypeScript sources,
// which are not packed, and Vite and webpack resolve "development" in dev builds), and the repository's LICENSE is
// put beside it to be packed. postpack puts both back as they were.
import fs from 'node:fs';

const BACKUP = 'package.json.unpacked';
const phase = process.argv[2];

/** `exports` with every "development" condition removed, at any depth. */
function withoutDevelopment(value) {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'development')
      .map(([key, inner]) => [key, withoutDevelopment(inner)]),
  );
}

function restore() {
  if (fs.existsSync(BACKUP)) fs.renameSync(BACKUP, 'package.json');
  fs.rmSync('LICENSE', { force: true });
}

if (phase === 'prepack') {
  restore(); // an earlier pack that failed half-way
  const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8'));
  fs.copyFileSync('package.json', BACKUP);
  manifest.exports = withoutDevelopment(manifest.exports);
  fs.writeFileSync('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
  fs.copyFileSync(new URL('../LICENSE', import.meta.url), 'LICENSE');
} else if (phase === 'postpack') {
  restore();
} else {
  console.error('usage: node ../../scripts/pack-manifest.mjs prepack|postpack');
  process.exit(2);
}
