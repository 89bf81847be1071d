import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{b as e}from"./chunk-E7T6Z34M.js";async function p(o,r={}){if(o==="spark"){let{DeltaLakeBrowser:s}=await import("./delta-browser-DJC4N3TI.js");return s.open(r.env)}let{LocalLakeBrowser:t}=await import("./local-browser-QIUO5OMC.js");return t.open(e(r.workdir),r.logger)}export{p as a};
