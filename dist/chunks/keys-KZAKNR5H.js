import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-7ZUKGPM6.js";import"./chunk-CVIAFCHR.js";export{e as breadthDoc,b as breadthKey,f as buildMessages,c as scopePrefix,d as signalDoc,a as signalKey};
