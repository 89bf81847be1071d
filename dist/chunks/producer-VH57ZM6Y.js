import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{c as a,d as b,e as c}from"./chunk-HAQG7IYH.js";import"./chunk-6VIMJW3R.js";import"./chunk-RMM3FQ3I.js";import"./chunk-CVIAFCHR.js";export{a as ensureTopics,b as kafkaError,c as publishSignals};
