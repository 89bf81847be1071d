import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b,c}from"./chunk-PITSOE3F.js";import"./chunk-INKNUUMO.js";import"./chunk-HXSC75IH.js";import"./chunk-DVTTKJ73.js";export{a as ensureTopics,b as kafkaError,c as publishSignals};
