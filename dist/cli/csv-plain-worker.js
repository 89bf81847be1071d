import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{b as i,c as n}from"./chunk-WI3ATB23.js";import"./chunk-K2IL75D2.js";import"./chunk-2TG7W3LG.js";import"./chunk-O7U5ROQ3.js";import"./chunk-HXSC75IH.js";import"./chunk-DVTTKJ73.js";import{parentPort as o,workerData as l}from"node:worker_threads";var e=o,{files:c,range:m,credits:p,batchRows:f}=l,a=p,t=null;e.on("message",()=>{a++,t?.(),t=null});await n(c,m,async r=>{for(;a===0;)await new Promise(s=>t=s);a--,e.postMessage(r,i(r))},f);e.postMessage(null);e.close();
