#!/usr/bin/env bash
# Creates a workspace package skeleton: scripts/new-package.sh packages/<dir> "<description>" [dep ...]
set -euo pipefail
dir=$1; desc=$2; shift 2
name="@crypto-lakehouse/$(basename "$dir")"
mkdir -p "$dir/src"
deps=""; refs=""
for d in "$@"; do
  deps="$deps\"@crypto-lakehouse/$d\": \"workspace:*\","
  refs="$refs{ \"path\": \"../../packages/$d\" },"
done
node -e '
const [dir,name,desc,deps,refs]=process.argv.slice(1);
const fs=require("fs");
const pkg={name,version:"0.1.0",description:desc,type:"module",license:"MIT",
 exports:{".":{source:"./src/index.ts",types:"./dist/index.d.ts",default:"./dist/index.js"}},
 files:["dist"],
 scripts:{build:"tsc -b",typecheck:"tsc -b",test:`vitest run --root ../.. ${dir}/`},
 dependencies:JSON.parse("{"+deps.replace(/,$/,"")+"}")};
fs.writeFileSync(dir+"/package.json",JSON.stringify(pkg,null,2)+"\n");
const ts={extends:"../../tsconfig.base.json",compilerOptions:{rootDir:"src",outDir:"dist",tsBuildInfoFile:"dist/.tsbuildinfo"},include:["src"],exclude:["src/**/*.test.ts"],references:JSON.parse("["+refs.replace(/,$/,"")+"]")};
fs.writeFileSync(dir+"/tsconfig.json",JSON.stringify(ts,null,2)+"\n");
' "$dir" "$name" "$desc" "$deps" "$refs"
[ -f "$dir/README.md" ] || printf '# %s\n\n%s\n' "$name" "$desc" > "$dir/README.md"
[ -f "$dir/src/index.ts" ] || echo "export {};" > "$dir/src/index.ts"
