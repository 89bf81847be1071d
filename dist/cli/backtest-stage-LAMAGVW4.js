import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b}from"./chunk-ANHN534G.js";import"./chunk-LO4B55IU.js";import"./chunk-MESZOPAO.js";import"./chunk-7CJ4IOUJ.js";import"./chunk-GM42MQYN.js";import"./chunk-KE2L7AS3.js";import"./chunk-6FNP64TN.js";import"./chunk-E7T6Z34M.js";import"./chunk-2V5EK4BP.js";import"./chunk-TQJP6TGS.js";import"./chunk-SGFDUDN2.js";import"./chunk-KFVMRUZZ.js";import"./chunk-O7U5ROQ3.js";import"./chunk-HXSC75IH.js";import"./chunk-DVTTKJ73.js";export{a as backtestStage,b as backtestTables};
