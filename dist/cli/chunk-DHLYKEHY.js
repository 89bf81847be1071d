import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{b as e}from"./chunk-K7SLK5FQ.js";async function p(o,r={}){if(o==="spark"){let{DeltaLakeBrowser:s}=await import("./delta-browser-CWIRYGRE.js");return s.open(r.env)}let{LocalLakeBrowser:t}=await import("./local-browser-L5NACMWH.js");return t.open(e(r.workdir),r.logger)}export{p as a};
