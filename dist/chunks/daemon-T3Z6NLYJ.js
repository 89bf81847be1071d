import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{c as a,d as b,e as c,f as d,g as e}from"./chunk-BACWBIPF.js";import"./chunk-TECHN2FH.js";import"./chunk-CVIAFCHR.js";export{b as DAEMON_UNREACHABLE,d as daemonFault,c as daemonUnreachable,a as dockerdStartedAt,e as withDaemonFault};
