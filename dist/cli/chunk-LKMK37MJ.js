import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{b as i}from"./chunk-HXSC75IH.js";var s=20;function o(t,n){return`--- ${t}: last ${n.length} log lines ---
${n.join(`
`)}`}function u(t){return async(n,e)=>{let{composeProjectFor:r}=await import("./stack-Z7HA2LND.js");return r(t).logs(n,e)}}function c(t){if(/\bkafka\b/i.test(t))return"kafka";if(/elasticsearch/i.test(t))return"elasticsearch"}async function g(t,n){if(!(t instanceof i)||!n)return t;let e=c(t.message);if(!e)return t;let r=await n(e,s).catch(()=>[]);return r.length===0?t:new i(`${t.message}
${o(e,r)}`,{hint:t.hint,exitCode:t.exitCode,cause:t})}export{s as a,o as b,u as c,g as d};
