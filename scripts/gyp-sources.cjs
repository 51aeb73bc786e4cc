// Lists the same sources CMakeLists.txt globs, for binding.gyp (CPU only): `node gyp-sources.cjs core|avx2|avx512|addon`.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
function walk(dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}
const core = walk('native/core').filter((f) => f.endsWith('.cpp'));
const isIsa = (isa) => (f) => f.endsWith(`_${isa}.cpp`);
const lists = {
  core: core.filter((f) => !isIsa('avx2')(f) && !isIsa('avx512')(f)),
  avx2: core.filter(isIsa('avx2')),
  avx512: core.filter(isIsa('avx512')),
  addon: walk('native/addon').filter((f) => f.endsWith('.cpp')),
};
process.stdout.write(lists[process.argv[2]].join(' ') + '\n');
