import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a}from"./chunk-W6QBIWVR.js";import"./chunk-CVIAFCHR.js";export default a();
