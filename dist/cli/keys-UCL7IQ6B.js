import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-INKNUUMO.js";import"./chunk-DVTTKJ73.js";export{e as breadthDoc,b as breadthKey,f as buildMessages,c as scopePrefix,d as signalDoc,a as signalKey};
