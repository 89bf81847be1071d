import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{c as a,d as b,e as c,f as d,g as e,h as f,i as g}from"./chunk-R7NODY6I.js";import"./chunk-TECHN2FH.js";import"./chunk-CVIAFCHR.js";export{e as DAEMON_HINT,b as DAEMON_UNREACHABLE,d as DAEMON_UNREACHABLE_SAID,f as daemonFault,c as daemonUnreachable,a as dockerdStartedAt,g as withDaemonFault};
