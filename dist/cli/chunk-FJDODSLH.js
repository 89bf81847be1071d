import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
var o=new Set;function i(e){return o.add(e),()=>{o.delete(e)}}async function t(){await Promise.allSettled([...o].map(e=>e()))}function r(){return o.size>0}export{i as a,t as b,r as c};
