import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
function i(n,a=200){let e=Number.NEGATIVE_INFINITY,t;return Object.assign(()=>{let r=performance.now();return(!t||r-e>a)&&(e=r,t=n(),t.catch(()=>{e=Number.NEGATIVE_INFINITY})),t},{invalidate:()=>{e=Number.NEGATIVE_INFINITY}})}export{i as a};
