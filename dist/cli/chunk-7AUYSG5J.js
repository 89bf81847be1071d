import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
var i=new Set;function r(e){return i.add(e),()=>{i.delete(e)}}async function d(e,n){let o=e.then(()=>{},()=>{}),t=r(async()=>{n(),await o});try{return await e}finally{t()}}async function a(){await Promise.allSettled([...i].map(e=>e()))}function s(){return i.size>0}export{d as a,a as b,s as c};
