import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
var E="lake.lock",r=".bf-out.lock";var s="BF_LOCK_TIMEOUT";var L="BF_TEST_LOCK_HOLD_MS",T="BF_TEST_SWAP_DELAY_MS";var n="delta-";var _=class{tail=Promise.resolve();run(o){let t=this.tail.then(o);return this.tail=t.then(()=>{},()=>{}),t}idle(){return this.tail}};export{E as a,r as b,s as c,L as d,T as e,n as f,_ as g};
