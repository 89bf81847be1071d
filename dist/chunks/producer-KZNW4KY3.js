import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b,c}from"./chunk-YWU66J5Z.js";import"./chunk-7ZUKGPM6.js";import"./chunk-5HACWJT6.js";import"./chunk-2IYKDTAF.js";import"./chunk-TECHN2FH.js";import"./chunk-CVIAFCHR.js";export{a as ensureTopics,b as kafkaError,c as publishSignals};
