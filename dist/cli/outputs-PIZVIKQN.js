import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b}from"./chunk-5ASGSGLM.js";import"./chunk-GM42MQYN.js";import"./chunk-KE2L7AS3.js";import"./chunk-TDK5EFVO.js";import"./chunk-H6FDPVBI.js";import"./chunk-FGSCPRVX.js";import"./chunk-6FNP64TN.js";import"./chunk-TQJP6TGS.js";import"./chunk-SGFDUDN2.js";import"./chunk-KFVMRUZZ.js";import"./chunk-O7U5ROQ3.js";import"./chunk-HXSC75IH.js";import"./chunk-DVTTKJ73.js";export{a as OUTPUT_FILES,b as writeOutputs};
