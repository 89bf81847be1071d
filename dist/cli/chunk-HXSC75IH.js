import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
var r={ok:0,failure:1,usage:2},n=class extends Error{exitCode;hint;constructor(t,e={}){super(t,{cause:e.cause}),this.name="BfError",this.exitCode=e.exitCode??r.failure,this.hint=e.hint}},s=class extends n{constructor(t,e){super(t,{exitCode:r.usage,hint:e}),this.name="UsageError"}};export{r as a,n as b,s as c};
