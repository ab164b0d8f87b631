// Validates a Frictionless Data Package with the reference JavaScript implementation
// (npm "datapackage" and its "tableschema"): the descriptor against the tabular-data-package
// profile, then every row of every tabular resource read and cast against its table schema
// (types, missing values, primary keys). Usage: node validate_datapackage.js DIR/datapackage.json
// Prints one line per resource and exits 1 on the first problem.
const { Package } = require("datapackage");

async function main(path) {
  const pkg = await Package.load(path);
  if (!pkg.valid) {
    for (const e of pkg.errors) console.error("descriptor: " + e.message);
    process.exit(1);
  }
  for (const resource of pkg.resources) {
    if (!resource.tabular) {
      console.log(`${resource.name}: not tabular, present`);
      continue;
    }
    const rows = await resource.read({ cast: true, keyed: true });
    console.log(`${resource.name}: ${rows.length} rows valid against its schema`);
  }
}

main(process.argv[2]).catch((e) => {
  console.error("invalid: " + (e.errors ? e.errors.map((x) => x.message).join("; ") : e.message));
  process.exit(1);
});
