import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
var e=class{tail=Promise.resolve();run(t){let i=this.tail.then(t);return this.tail=i.then(()=>{},()=>{}),i}idle(){return this.tail}};export{e as a};
