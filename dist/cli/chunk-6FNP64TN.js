import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
var e=["zweig_breadth_thrust","deemer_breadth_thrust","whaley_breadth_thrust"];export{e as a};
