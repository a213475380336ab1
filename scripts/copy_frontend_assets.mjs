// Copies the GOV.UK Frontend JavaScript bundle into the build folder served as static files.
// Nothing it writes is committed; it runs after `npm install` on every machine.
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("careershub/static/build", { recursive: true });
copyFileSync(
  "node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js",
  "careershub/static/build/govuk-frontend.min.js",
);
