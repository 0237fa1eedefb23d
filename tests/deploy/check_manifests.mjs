// The offline schema check of deploy/kubernetes (no API server here, so no `kubectl
// apply --dry-run`): every object of each kustomization is validated by kubernetes-models
// (npm; the Kubernetes OpenAPI schemas compiled: types, required fields, formats, enums),
// and walked field by field against the models' declared properties, so a misspelt field
// (`hostPid`), which the schemas would let through and an API server would drop, fails too.
//
//   node check_manifests.mjs NODE_MODULES KUSTOMIZE_DIR...
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...kdirs] = process.argv.slice(2);
const YAML = await import(pathToFileURL(path.join(modules, "yaml/dist/index.js")));
const models = path.join(modules, "kubernetes-models");
let failures = 0;
const fail = (where, what) => {
  console.log(`FAIL ${where}: ${what}`);
  failures++;
};

// The declared properties of a model's interface, and where each property's model is.
const declared = new Map();
function declaration(file) {
  if (declared.has(file)) return declared.get(file);
  const text = fs.readFileSync(file, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
    const spec = m[2].replace(/\.js$/, "");
    imports.set(m[1], spec.startsWith(".") ? path.resolve(path.dirname(file), spec + ".d.ts")
                                          : path.join(modules, spec + ".d.ts"));
  }
  const body = text.match(/export interface I\w+(?: extends [\w, ]+)? \{([\s\S]*?)\n\}/);
  let props = null;
  if (body) {
    props = new Map();
    // One property per line at four spaces; a map's type opens a brace and goes on.
    for (const m of body[1].matchAll(/^ {4}"(\w+)"\??: (.+?);?$/gm)) {
      const ref = m[2].match(/^(?:Array<)?(I\w+)>?$/);
      props.set(m[1], ref && imports.has(ref[1]) ? imports.get(ref[1]) : null);
    }
  }
  declared.set(file, props);
  return props;
}

function walk(value, file, where) {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, file, `${where}[${i}]`));
    return;
  }
  const props = fs.existsSync(file) ? declaration(file) : null;
  if (!props) return;  // a type alias (IntOrString, Quantity) or a free-form map
  for (const [key, v] of Object.entries(value)) {
    if (where === "" && (key === "apiVersion" || key === "kind")) continue;
    if (!props.has(key)) {
      fail(where || "/", `unknown field "${key}"`);
      continue;
    }
    if (props.get(key)) walk(v, props.get(key), `${where}/${key}`);
  }
}

const kustomizationKeys = new Set(["apiVersion", "kind", "resources", "images", "namespace",
                                   "labels", "configMapGenerator", "patches"]);
let objects = 0;
for (const kdir of kdirs) {
  const kfile = path.join(kdir, "kustomization.yaml");
  const k = YAML.parse(fs.readFileSync(kfile, "utf8"));
  for (const key of Object.keys(k)) {
    if (!kustomizationKeys.has(key)) fail(kfile, `unknown kustomization field "${key}"`);
  }
  if (k.kind !== "Kustomization") fail(kfile, "kind is not Kustomization");
  for (const res of k.resources ?? []) {
    const file = path.join(kdir, res);
    if (!fs.existsSync(file)) {
      fail(kfile, `resource ${res} does not exist`);
      continue;
    }
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
      if (doc.errors.length) {
        fail(file, doc.errors.map((e) => e.message).join("; "));
        continue;
      }
      const obj = doc.toJS();
      if (!obj) continue;
      const where = `${file}: ${obj.kind}/${obj.metadata?.name}`;
      const group = obj.apiVersion;  // "v1", "apps/v1", "node.k8s.io/v1": the models' folders
      const modelFile = path.join(models, group, obj.kind + ".js");
      if (!fs.existsSync(modelFile)) {
        fail(where, `no model for ${obj.apiVersion} ${obj.kind}`);
        continue;
      }
      const Model = (await import(pathToFileURL(modelFile)))[obj.kind];
      try {
        new Model(obj).validate();
      } catch (e) {
        fail(where, e.message);
      }
      const before = failures;
      walk(obj, path.join(models, group, obj.kind + ".d.ts"), "");
      if (failures > before) console.log(`  (in ${where})`);
      objects++;
    }
  }
}
console.log(`${objects} objects in ${kdirs.length} kustomizations checked, ${failures} failures`);
process.exit(failures || objects === 0 ? 1 : 0);
