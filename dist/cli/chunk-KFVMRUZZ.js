import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a as i}from"./chunk-O7U5ROQ3.js";var p="BF_PROGRESS_INTERVAL_MS";function c(e=process.env){let s=e[p]?.trim(),o=s?Number(s):Number.NaN;return Number.isFinite(o)&&o>=0?o:5e3}var m={info(){},warn(){},error(){},progress(){}},g=!1;function l(){g&&(process.stderr.write("\r\x1B[2K"),g=!1)}function w(e={}){let s=e.interactive??!!process.stderr.isTTY,o=e.progressIntervalMs??c(),t=e.now??Date.now,a=t(),n=r=>{l(),process.stderr.write(`${i(r)}
`),a=t()};return{info:r=>{e.quiet||n(r)},warn:r=>n(`warning: ${r}`),error:r=>n(`error: ${r}`),progress:r=>{e.quiet||(s?(process.stderr.write(`\r\x1B[2K${i(r)}`),g=!0):t()-a>=o&&n(r))}}}export{m as a,l as b,w as c};
