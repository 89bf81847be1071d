import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
function o(r){return r<=31&&r!==9&&r!==10||r>=127&&r<=159||r===8206||r===8207||r===8232||r===8233||r>=8234&&r<=8238||r>=8294&&r<=8297}function s(r){let t="";for(let n of r){let e=n.codePointAt(0);o(e)?t+=e<=255?`\\x${e.toString(16).padStart(2,"0")}`:`\\u${e.toString(16).padStart(4,"0")}`:t+=n}return t}var l={info(){},warn(){},error(){},progress(){}};export{s as a,l as b};
