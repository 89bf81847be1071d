import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
var n={ok:0,failure:1,usage:2},s=class extends Error{exitCode;hint;constructor(r,e={}){super(r,{cause:e.cause}),this.name="BfError",this.exitCode=e.exitCode??n.failure,this.hint=e.hint}},t=class extends s{constructor(r,e){super(r,{exitCode:n.usage,hint:e}),this.name="UsageError"}};var a={info(){},warn(){},error(){},progress(){}};export{s as a,t as b,a as c};
