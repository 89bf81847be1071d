import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b,c,d}from"./chunk-LKMK37MJ.js";import"./chunk-HXSC75IH.js";import"./chunk-DVTTKJ73.js";export{a as SERVICE_LOG_LINES,b as serviceLogBlock,c as stackServiceLogs,d as withServiceLogs};
