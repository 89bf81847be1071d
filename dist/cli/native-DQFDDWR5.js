import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a as e}from"./chunk-GPRHVEJB.js";import{c}from"./chunk-DVTTKJ73.js";var n=c(e(),1);var export_DuckDBInstance=n.DuckDBInstance;export{export_DuckDBInstance as DuckDBInstance};
