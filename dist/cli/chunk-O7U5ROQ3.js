import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
function f(t){return t<=31&&t!==9&&t!==10||t>=127&&t<=159||t===8206||t===8207||t===8232||t===8233||t>=8234&&t<=8238||t>=8294&&t<=8297}function i(t){let x="";for(let r of t){let n=r.codePointAt(0);f(n)?x+=n<=255?`\\x${n.toString(16).padStart(2,"0")}`:`\\u${n.toString(16).padStart(4,"0")}`:x+=r}return x}export{i as a};
