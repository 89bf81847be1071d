import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a as b}from"./chunk-DHLYKEHY.js";import{a}from"./chunk-JJASRDYZ.js";import"./chunk-K7SLK5FQ.js";import"./chunk-2V5EK4BP.js";import"./chunk-YVH3WEQQ.js";import"./chunk-T2QHEPCQ.js";import"./chunk-KFVMRUZZ.js";import"./chunk-O7U5ROQ3.js";import"./chunk-HXSC75IH.js";import"./chunk-DVTTKJ73.js";export{b as openLakeBrowser,a as requireTableName};
