import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a as b}from"./chunk-BRI573UB.js";import{a}from"./chunk-JJASRDYZ.js";import"./chunk-E7T6Z34M.js";import"./chunk-2V5EK4BP.js";import"./chunk-TQJP6TGS.js";import"./chunk-SGFDUDN2.js";import"./chunk-KFVMRUZZ.js";import"./chunk-O7U5ROQ3.js";import"./chunk-HXSC75IH.js";import"./chunk-DVTTKJ73.js";export{b as openLakeBrowser,a as requireTableName};
